"""The bank screen: import a statement, and resolve the credits that matched no order.

``GET /support/bank/``: the upload form, the unmatched credits (each with "assign to an order or
invoice" and "ignore with a reason") and the statements imported lately. Every POST answers
with a redirect back to the screen and a message; invalid input or a refusal shows the screen
again with the form's errors (422), with nothing booked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.bank_forms import AssignLineForm, IgnoreLineForm, StatementUploadForm
from billing.bank_selectors import (
    LINES_SHOWN,
    STATEMENTS_SHOWN,
    bank_line_for_support_or_404,
    recent_statements,
    unmatched_bank_lines,
)
from billing.panels import PAYMENT_ROLES
from billing.services.bank_statements import (
    StatementImport,
    assign_bank_line,
    ignore_bank_line,
    import_bank_statement,
)
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import role_required

TEMPLATE = "billing/bank.html"


def _context(*, failed_line: int | None = None, failed_form: Any = None, **extra: Any) -> dict[str, Any]:
    lines = list(unmatched_bank_lines()[:LINES_SHOWN])
    for line in lines:
        line.assign_form = AssignLineForm(prefix=f"assign-{line.pk}")
        line.ignore_form = IgnoreLineForm(prefix=f"ignore-{line.pk}")
        if line.pk == failed_line:
            name = "assign_form" if isinstance(failed_form, AssignLineForm) else "ignore_form"
            setattr(line, name, failed_form)
    return {
        "upload_form": StatementUploadForm(),
        "lines": lines,
        "statements": list(recent_statements()[:STATEMENTS_SHOWN]),
        **extra,
    }


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, TEMPLATE, _context(**extra), status=status)


def _in_form(form: Any, field: str) -> Any:
    def show(exc: DomainError) -> None:
        name = (exc.data or {}).get("field", "")
        form.add_error(name if name in form.fields else (field if field in form.fields else None), exc.message)

    return show


@role_required(*PAYMENT_ROLES)
@require_GET
def bank_screen(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(*PAYMENT_ROLES)
@require_POST
def bank_statement_import(request: HttpRequest) -> HttpResponse:
    """Import a CAMT.053 or CSV statement and match its credits (a re-import changes nothing)."""
    form = StatementUploadForm(request.POST, request.FILES)

    def run() -> StatementImport:
        upload = form.cleaned_data["file"]
        return import_bank_statement(data=upload.read(), filename=upload.name, user=request.user)

    return run_service_and_answer(
        request,
        run,
        form=form,
        answer=lambda status: _page(request, status, upload_form=form),
        done=lambda _result: redirect("billing:support-bank"),
        success=_summary,
        show_refusal=_in_form(form, "file"),
        refusal_in_form=True,
    )


def _summary(result: StatementImport) -> str:
    if not result.created:
        return _("This statement was imported before (%(imported)s): nothing changed.") % {
            "imported": result.statement.imported_at.strftime("%Y-%m-%d %H:%M")
        }
    return _(
        "Statement imported: %(matched)d credits booked, %(unmatched)d to resolve, %(debits)d debits, "
        "%(known)d lines known from an earlier statement."
    ) % {"matched": result.matched, "unmatched": result.unmatched, "debits": result.debits, "known": result.known}


@role_required(*PAYMENT_ROLES)
@require_POST
def bank_line_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Book an unmatched credit on the order or invoice support names."""
    line = bank_line_for_support_or_404(pk)
    form = AssignLineForm(request.POST, prefix=f"assign-{line.pk}")
    return run_service_and_answer(
        request,
        lambda: assign_bank_line(
            line_id=line.pk,
            reference=form.cleaned_data["reference"],
            note=form.cleaned_data["note"],
            actor_label=f"support:{request.user.get_username()}",
            user=request.user,
        ),
        form=form,
        answer=lambda status: _page(request, status, failed_line=line.pk, failed_form=form),
        done=lambda _line: redirect("billing:support-bank"),
        success=lambda booked: (
            _("%(amount)s %(currency)s booked on order %(number)s.")
            % {"amount": booked.amount, "currency": booked.currency, "number": booked.order.number}
        ),
        show_refusal=_in_form(form, "reference"),
        refusal_in_form=True,
    )


@role_required(*PAYMENT_ROLES)
@require_POST
def bank_line_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave an unmatched credit unbooked, with the reason."""
    line = bank_line_for_support_or_404(pk)
    form = IgnoreLineForm(request.POST, prefix=f"ignore-{line.pk}")
    return run_service_and_answer(
        request,
        lambda: ignore_bank_line(line_id=line.pk, reason=form.cleaned_data["reason"], user=request.user),
        form=form,
        answer=lambda status: _page(request, status, failed_line=line.pk, failed_form=form),
        done=lambda _line: redirect("billing:support-bank"),
        success=_("The bank line is marked as not a customer payment."),
        show_refusal=_in_form(form, "reason"),
        refusal_in_form=True,
    )
