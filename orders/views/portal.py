"""The customer portal (``/track/``): public pages, no login. A customer finds an order by its
number and e-mail (or postcode), or opens it from the signed link in one of our mails
(``orders.portal_links``), and sees where it is; downloads its invoices and credit notes, opens a
support case, answers in it, and rates the delivered order.

Who holds a valid link sees that one order; nobody else sees anything. A wrong combination is
answered exactly as an order number that does not exist (same page, same status, the same work:
``orders.selectors.portal.find_order_id``); lookups are rate-limited per client address and per
order number (``oms.ratelimit``, ``PORTAL_LOOKUPS_*``), actions per order. The page is composed
from the customer panels other apps register (``oms.panels.register_customer``), never from the
staff panels of the support order page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from oms import documents, panels, ratelimit
from oms.exceptions import DomainError
from oms.models import Document, DocumentStatus
from orders import portal_forms
from orders.models import Order, OrderRating, SupportCase
from orders.portal_links import LinkRefused, portal_path, read_token
from orders.selectors import portal as selectors
from orders.services import portal as services

SLOT = "customer-order"
LOOKUP_TEMPLATE = "orders/portal/lookup.html"
ORDER_TEMPLATE = "orders/portal/order.html"
NOT_FOUND_STATUS = 404


def private(response: HttpResponse) -> HttpResponse:
    """A customer's page: never cached, never indexed, and its URL (the link) never sent to another
    site. ``same-origin``, not ``no-referrer``: with ``no-referrer`` browsers send ``Origin: null``
    with the page's own forms, which Django's CSRF check refuses."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def too_many(request: HttpRequest, *, window: int) -> HttpResponse:
    response = render(request, "orders/portal/rate_limited.html", {"minutes": max(1, window // 60)}, status=429)
    response["Retry-After"] = str(ratelimit.retry_after(window))
    return private(response)


def _lookup_page(
    request: HttpRequest, form: portal_forms.LookupForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return private(render(request, LOOKUP_TEMPLATE, {"form": form, **extra}, status=status))


@require_http_methods(["GET", "POST"])
def portal_lookup(request: HttpRequest) -> HttpResponse:
    """The lookup form; a match goes on to the order's page by a fresh signed link."""
    if request.method == "GET":
        return _lookup_page(request, portal_forms.LookupForm())
    window = settings.PORTAL_LOOKUP_WINDOW_SECONDS
    number = selectors.normalise_number(str(request.POST.get("number", "")))
    # Both limits count every attempt (no short circuit), valid or not.
    by_address = ratelimit.hit(
        "portal-lookup-address",
        ratelimit.client_address(request),
        limit=settings.PORTAL_LOOKUPS_PER_ADDRESS,
        window=window,
    )
    by_number = ratelimit.hit(
        "portal-lookup-number", number, limit=settings.PORTAL_LOOKUPS_PER_ORDER_NUMBER, window=window
    )
    if not (by_address and by_number):
        return too_many(request, window=window)
    form = portal_forms.LookupForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form, status=422)
    order_id = selectors.find_order_id(number=form.cleaned_data["number"], secret=form.cleaned_data["secret"])
    if order_id is None:
        return _lookup_page(
            request, portal_forms.LookupForm(initial={"number": number}), status=NOT_FOUND_STATUS, not_found=True
        )
    return private(redirect(portal_path(order_id), permanent=False))


def _refused(request: HttpRequest, refusal: LinkRefused | None) -> HttpResponse:
    """An altered, forged, expired link, or one to an order that is gone: the same page, the lookup
    form beside it (an expired link says so: only a genuine one can have expired)."""
    expired = refusal is not None and refusal.expired
    context = {"form": portal_forms.LookupForm(), "expired": expired}
    return private(render(request, "orders/portal/link_refused.html", context, status=410 if expired else 404))


def order_for_token(request: HttpRequest, token: str) -> tuple[Order | None, HttpResponse | None]:
    """The order ``token`` opens, or the refusal page to answer with (other apps' portal pages
    under ``/track/<token>/`` use this, ``private`` and ``too_many`` too)."""
    try:
        link = read_token(token)
    except LinkRefused as refusal:
        return None, _refused(request, refusal)
    order = selectors.portal_order(link.order_id)
    if order is None:
        return None, _refused(request, None)
    return order, None


def _order_page(request: HttpRequest, order: Order, token: str, *, status: int = 200, **forms: Any) -> HttpResponse:
    lines = []
    for line in order.lines.order_by("position", "pk"):
        line.portal_quantity = line.quantity - line.quantity_cancelled
        if line.portal_quantity > 0:
            lines.append(line)
    cases = selectors.customer_cases(order)
    reply_forms = forms.get("reply_forms", {})
    for case in cases:
        case.reply_open = case.pk in reply_forms
        case.reply_form = reply_forms.get(case.pk) or portal_forms.CaseMessageForm(prefix="reply")
    context = {
        "order": order,
        "token": token,
        "lines": lines,
        "steps": selectors.status_timeline(order),
        "cancelled": order.state == "cancelled",
        "panels": panels.render_customer_slot(SLOT, request=request, order=order),
        "cases": cases,
        "may_rate": selectors.may_rate(order),
        "rating": OrderRating.objects.filter(order=order).first(),
        "case_form": forms.get("case_form") or portal_forms.CaseForm(prefix="case"),
        "rating_form": forms.get("rating_form") or portal_forms.RatingForm(prefix="rating"),
        "open_form": forms.get("open_form", ""),
    }
    return private(render(request, ORDER_TEMPLATE, context, status=status))


@require_http_methods(["GET"])
def portal_order(request: HttpRequest, token: str) -> HttpResponse:
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    return _order_page(request, order, token)


def _action_allowed(order: Order) -> bool:
    return ratelimit.hit("portal-action", str(order.pk), limit=settings.PORTAL_ACTIONS_PER_ORDER_HOUR, window=3600)


def _done(request: HttpRequest, token: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return private(redirect("orders:portal-order", token=token))


def _run(
    request: HttpRequest, order: Order, token: str, service: Any, *, form_key: str, form: Any, success: str
) -> HttpResponse:
    """Validate, run the service, answer: the page again with the reasons (422), or back to it."""
    if form.is_valid():
        try:
            service(form.cleaned_data)
        except DomainError as exc:
            # Shown above the page: the form may not be on it any more (rated already).
            messages.error(request, exc.message)
        else:
            return _done(request, token, success)
    return _order_page(request, order, token, status=422, open_form=form_key, **{form_key: form})


@require_POST
def portal_case_create(request: HttpRequest, token: str) -> HttpResponse:
    """Open a support case about the order with the customer's message."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    if not _action_allowed(order):
        return too_many(request, window=3600)
    form = portal_forms.CaseForm(request.POST, prefix="case")
    return _run(
        request,
        order,
        token,
        lambda data: services.open_customer_case(
            order=order, topic=portal_forms.TOPICS[data["topic"]], message=data["message"]
        ),
        form_key="case_form",
        form=form,
        success=_("Thank you, we have your message. We will answer you here and by e-mail."),
    )


@require_POST
def portal_case_reply(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The customer answers in one of their cases about this order."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    case = SupportCase.objects.filter(pk=pk, order=order, opened_by_customer=True).first()
    if case is None:
        return _refused(request, None)
    if not _action_allowed(order):
        return too_many(request, window=3600)
    form = portal_forms.CaseMessageForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            services.add_customer_message(case=case, body=form.cleaned_data["body"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return _done(request, token, _("Thank you, your answer has been sent."))
    return _order_page(request, order, token, status=422, reply_forms={case.pk: form})


@require_POST
def portal_rate(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's rating of the delivered order."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    if not _action_allowed(order):
        return too_many(request, window=3600)
    form = portal_forms.RatingForm(request.POST, prefix="rating")
    return _run(
        request,
        order,
        token,
        lambda data: services.rate_order(order=order, stars=data["stars"], comment=data["comment"] or ""),
        form_key="rating_form",
        form=form,
        success=_("Thank you for your rating!"),
    )


@require_http_methods(["GET"])
def portal_document(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """An invoice or credit note of the link's order, as its PDF. A document of another order, one
    not rendered yet or of a kind customers do not download is the same 404 as none at all."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    document = Document.objects.filter(pk=pk, status=DocumentStatus.READY).first()
    if document is None or documents.order_of(document) != order.pk:
        raise Http404
    response = FileResponse(
        default_storage.open(document.file.name, "rb"),
        content_type="application/pdf",
        filename=document.filename or f"{document.kind}-{document.pk}.pdf",
    )
    return private(response)
