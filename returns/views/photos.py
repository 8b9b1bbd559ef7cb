"""Photos of return requests, read through views that check who asks: support (role), and the
customer holding the order's signed portal link (only the photos of that order's returns). The
files live on the private storage under ``MEDIA_ROOT``, which no URL serves.

The portal also takes new photos for an open return of the order (``portal_photos_add``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from oms import ratelimit
from oms.access_log import record_customer_access
from oms.models import AccessAction
from oms.roles import role_required
from orders.views.portal import order_for_token, private, too_many
from returns.exceptions import ReturnError
from returns.forms import AddPhotosForm
from returns.models import ReturnPhoto, ReturnRequest
from returns.panels import SUPPORT_ROLES
from returns.services.requests import PHOTO_STATES, add_return_photos

PORTAL_TEMPLATE = "returns/portal/photos_form.html"


def _file(photo: ReturnPhoto, request: HttpRequest) -> HttpResponse:
    """The stored image (a few MB at most: re-encoded to ``MAX_STORED_SIDE``), never sniffed."""
    thumbnail = request.GET.get("size") == "thumbnail"
    stored = photo.thumbnail if thumbnail else photo.image
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _photo(number: str, photo_id: int, **filters: Any) -> ReturnPhoto:
    if "\x00" in number:
        raise Http404
    photo = (
        ReturnPhoto.objects.select_related("request", "request__order")
        .filter(pk=photo_id, request__number=number, **filters)
        .first()
    )
    if photo is None:
        raise Http404
    return photo


@role_required(*SUPPORT_ROLES)
@require_GET
def support_photo(request: HttpRequest, number: str, photo_id: int) -> HttpResponse:
    """One photo of a return request (``?size=thumbnail``: its thumbnail), for support."""
    photo = _photo(number, photo_id)
    record_customer_access(
        request,
        subject_type="return-photo",
        subject_id=photo.request.number,
        customer_id=photo.request.order.customer_id,
        action=AccessAction.VIEWED,
    )
    return _file(photo, request)


@require_GET
def portal_photo(request: HttpRequest, token: str, number: str, photo_id: int) -> HttpResponse:
    """One photo of a return of the order the signed link opens; any other return's: 404."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    return private(_file(_photo(number, photo_id, request__order=order), request))


def _portal_return(order: Any, number: str) -> ReturnRequest:
    if "\x00" in number:
        raise Http404
    rma = ReturnRequest.objects.filter(order=order, number=number).first()
    if rma is None:
        raise Http404
    return rma


@require_http_methods(["GET", "POST"])
def portal_photos_add(request: HttpRequest, token: str, number: str) -> HttpResponse:
    """The customer adds photos to an open return of their order (counts against the order's
    portal action limit); bad files: the form again with the reason (422), nothing stored."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    rma = _portal_return(order, number)
    already = rma.photos.count()
    context: dict[str, Any] = {"order": order, "token": token, "rma": rma, "open": rma.state in PHOTO_STATES}
    if request.method == "GET":
        context["form"] = AddPhotosForm(already=already)
        return private(render(request, PORTAL_TEMPLATE, context))
    if not ratelimit.hit("portal-action", str(order.pk), limit=settings.PORTAL_ACTIONS_PER_ORDER_HOUR, window=3600):
        return too_many(request, window=3600)
    form = AddPhotosForm(request.POST, request.FILES, already=already)
    if form.is_valid():
        try:
            added = add_return_photos(rma, form.cleaned_data["photos"], by_label="portal")
        except ReturnError as exc:
            form.add_error("photos", exc.message)
        else:
            messages.success(
                request,
                _("Thank you: %(count)d photo(s) added to return %(number)s.")
                % {"count": len(added), "number": rma.number},
            )
            return private(redirect("orders:portal-order", token=token))
    context["form"] = form
    return private(render(request, PORTAL_TEMPLATE, context, status=422))
