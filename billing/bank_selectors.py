"""What the bank screen reads: the lines support has to resolve, and the statements imported."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from billing.models import BankLineState, BankStatement, BankStatementLine

LINES_SHOWN = 200
STATEMENTS_SHOWN = 20


def unmatched_bank_lines() -> QuerySet[BankStatementLine]:
    """Credits no order took, oldest booking first."""
    return (
        BankStatementLine.objects.filter(state=BankLineState.UNMATCHED)
        .select_related("statement")
        .order_by("booking_date", "pk")
    )


def recent_statements() -> QuerySet[BankStatement]:
    """The newest statements with their lines counted per outcome (one query)."""
    states = {s.value: Count("lines", filter=Q(lines__state=s)) for s in BankLineState}
    return BankStatement.objects.annotate(line_count=Count("lines"), **{f"n_{k}": v for k, v in states.items()})


def bank_line_for_support_or_404(pk: int) -> BankStatementLine:
    return get_object_or_404(BankStatementLine, pk=pk)
