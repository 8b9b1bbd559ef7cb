"""The support case queue and one case's thread."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import CaseState, SupportCase
from orders.selectors.matching import clean_query


def case_state_choices() -> list[tuple[str, Any]]:
    return list(CaseState.choices)


def case_queue(*, state: str = "", q: str = "") -> QuerySet[SupportCase]:
    """The cases of the queue, unordered (the list sorts and pages them: latest activity first by
    default, ``updated_at`` served by ``orders_case_queue_idx``); open and waiting by default."""
    qs = SupportCase.objects.all()
    if state == "all":
        pass
    elif state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=[CaseState.OPEN, CaseState.WAITING])
    q = clean_query(q)
    if q:
        qs = qs.filter(
            Q(subject__icontains=q)
            | Q(order__number=q)
            | Q(customer__email=q.lower())
            | Q(pk=int(q) if q.isascii() and q.isdigit() and len(q) <= 18 else 0)
        )
    return qs


def case_counts() -> dict[str, Any]:
    """Open and waiting cases, and since when the longest-waiting open case has had no answer
    (its last activity), for the support home (one query)."""
    rows = (
        SupportCase.objects.filter(state__in=[CaseState.OPEN, CaseState.WAITING])
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("updated_at"))
        .values_list("state", "n", "oldest")
    )
    found = {state: (n, oldest) for state, n, oldest in rows}
    open_cases, oldest_open = found.get(CaseState.OPEN, (0, None))
    return {
        "open_cases": open_cases,
        "oldest_open_case": oldest_open,
        "waiting_cases": found.get(CaseState.WAITING, (0, None))[0],
    }


def case_for_support_or_404(*, pk: int) -> SupportCase:
    return get_object_or_404(SupportCase.objects.select_related("order", "customer"), pk=pk)


CASE_ACTION_LABELS = {
    "wait_for_customer": gettext_lazy("Waiting for customer"),
    "resolve": gettext_lazy("Resolve"),
    "reopen": gettext_lazy("Reopen"),
}


def case_thread(*, case: SupportCase) -> dict[str, Any]:
    """The messages (one query, authors joined) and the state buttons the case allows."""
    case_messages = []
    for message in case.messages.select_related("author"):
        author = message.author_label or (
            (message.author.get_full_name() or message.author.get_username()) if message.author else ""
        )
        message.author_name = author or (_("Customer") if message.from_customer else _("Support"))
        case_messages.append(message)
    available = {t.name for t in case.get_available_state_transitions()}
    actions = [(name, label) for name, label in CASE_ACTION_LABELS.items() if name in available]
    return {"case_messages": case_messages, "case_actions": actions}
