"""Manual order entry for phone orders: customer search, product search with stock, live totals.

The page is one form. Lines travel as parallel ``sku``/``quantity`` lists; adding a product
(``add_sku``) or removing one (``remove_sku``) posts the form to the preview endpoint, which
re-renders the ``phone-lines`` partial with the stock per line and the totals computed by the
same money code as intake. Submitting places the order through ``intake.place_order`` on the
channel ``phone`` and sends the agent to the order page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from oms.access_log import record_customer_access
from oms.roles import Role, role_required
from orders import forms
from orders.exceptions import OrderValidationError
from orders.selectors.order_entry import (
    customer_entry_initial_or_404,
    customers_for_order_entry,
    products_for_order_entry,
)
from orders.services import phone_entry

TEMPLATE = "orders/phone_order.html"


def _context(request: HttpRequest, data: Any = None, **extra: Any) -> dict[str, Any]:
    entry = phone_entry.read_entry(data)
    customer_form = forms.PhoneCustomerForm(data, prefix="customer")
    address_form = forms.AddressForm(data, prefix="ship", initial={"country": "DE"})
    header_form = forms.PhoneOrderForm(data, payment_methods=phone_entry.payment_method_choices())
    context = {
        "customer_form": customer_form,
        "address_form": address_form,
        "header_form": header_form,
        "entry": entry,
        "preview": phone_entry.preview(entry),
    }
    context.update(extra)
    return context


@role_required(Role.SUPPORT)
@require_http_methods(["GET", "POST"])
def phone_order_new(request: HttpRequest) -> HttpResponse:
    """The entry page (GET) and its submit (POST): 422 with every error, or a redirect to the order."""
    if request.method == "GET":
        return render(request, TEMPLATE, _context(request))
    context = _context(request, request.POST)
    entry = context["entry"]
    valid = all(
        [context["customer_form"].is_valid(), context["address_form"].is_valid(), context["header_form"].is_valid()]
    )
    if not entry.lines:
        context["line_errors"] = [_("Add at least one product.")]
        valid = False
    if entry.errors:  # shown by the lines partial itself
        valid = False
    if not valid:
        return render(request, TEMPLATE if not request.htmx else f"{TEMPLATE}#phone-form", context, status=422)
    try:
        order = phone_entry.place_phone_order(
            customer=context["customer_form"].cleaned_data,
            address=context["address_form"].cleaned_data,
            header=context["header_form"].cleaned_data,
            entry=entry,
            user=request.user,
        )
    except OrderValidationError as exc:
        context["line_errors"] = phone_entry.error_messages(exc)
        return render(request, TEMPLATE if not request.htmx else f"{TEMPLATE}#phone-form", context, status=422)
    url = reverse("orders:support-order-detail", args=[order.number])
    # Shown on the order page it leads to, and still there to click when the agent moves on.
    messages.success(
        request,
        format_html(
            _('Order <a href="{url}">{number}</a> placed for {name}.'),
            url=url,
            number=order.number,
            name=order.shipping_name,
        ),
    )
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@role_required(Role.SUPPORT)
@require_POST
def phone_order_preview(request: HttpRequest) -> HttpResponse:
    """Re-render the lines with stock and totals after any change (add, remove, quantity)."""
    context = _context(request, request.POST)
    return render(request, f"{TEMPLATE}#phone-lines", context)


@role_required(Role.SUPPORT)
@require_GET
def phone_product_search(request: HttpRequest) -> HttpResponse:
    hits = products_for_order_entry(q=request.GET.get("product_q", ""))
    return render(request, "orders/partials/phone_products.html", {"hits": hits, "q": request.GET.get("product_q", "")})


@role_required(Role.SUPPORT)
@require_GET
def phone_customer_search(request: HttpRequest) -> HttpResponse:
    hits = customers_for_order_entry(q=request.GET.get("customer_q", ""))
    return render(request, "orders/partials/phone_customers.html", {"hits": hits})


@role_required(Role.SUPPORT)
@require_GET
def phone_customer_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the customer and address fieldset from a found customer (their last shipping address)."""
    initial = customer_entry_initial_or_404(pk=pk)
    record_customer_access(request, subject_type="customer", subject_id=pk, customer_id=pk)
    context = {
        "customer_form": forms.PhoneCustomerForm(initial=initial["customer"], prefix="customer"),
        "address_form": forms.AddressForm(initial=initial["address"], prefix="ship"),
    }
    return render(request, f"{TEMPLATE}#phone-customer", context)
