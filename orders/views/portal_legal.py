"""A sales channel's legal texts in the customer portal (``/track/legal/<kind>/``): imprint, terms,
withdrawal instructions and privacy notice, linked from every portal page's footer.

Public pages. The channel is the ``?channel=`` code (the footer links of an order's pages carry the
order's channel); without one, the only active channel. The text is the one in the visitor's
language, else the one in the other language. A channel without an imprint text shows the imprint
its mails carry (``oms.mail.sender``: ``MAIL_SENDERS``, ``MAIL_FOOTER`` or ``BILLING_SELLER``).
An unknown kind or channel, or a text the channel does not have, is a 404.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from oms import mail
from orders.models import Channel, LegalText, LegalTextKind

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")

_Response = TypeVar("_Response", bound=HttpResponseBase)


def legal_channel(request: HttpRequest) -> Channel:
    code = request.GET.get("channel", "")
    if code:
        # A channel code is a slug; anything else (a NUL byte, say) names no channel.
        channel = Channel.objects.filter(code=code).first() if _SLUG.fullmatch(code[:51]) else None
    else:
        active = list(Channel.objects.filter(active=True)[:2])
        channel = active[0] if len(active) == 1 else None
    if channel is None:
        raise Http404
    return channel


def legal_text(channel: Channel, kind: str, language: str) -> LegalText | None:
    """The channel's text of ``kind`` in ``language``, else in another language, else ``None``."""
    texts = sorted(
        LegalText.objects.filter(channel=channel, kind=kind),
        key=lambda text: (text.language != language, text.language),
    )
    return texts[0] if texts else None


def _lookup(request: HttpRequest, kind: str) -> tuple[Channel, LegalText | None]:
    if kind not in LegalTextKind.values:
        raise Http404
    channel = legal_channel(request)
    return channel, legal_text(channel, kind, (get_language() or "")[:2])


def _public(response: _Response) -> _Response:
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def portal_legal(request: HttpRequest, kind: str) -> HttpResponse:
    channel, text = _lookup(request, kind)
    if text is None and kind != LegalTextKind.IMPRINT:
        raise Http404
    context = {
        "legal_channel": channel,
        "kind_label": LegalTextKind(kind).label,
        "legal_text": text,
        "paragraphs": [p.strip() for p in text.body.replace("\r\n", "\n").split("\n\n") if p.strip()] if text else [],
        "seller_imprint": mail.sender(channel.code).footer if text is None else [],
    }
    return _public(render(request, "orders/portal/legal.html", context))


@require_GET
def portal_legal_pdf(request: HttpRequest, kind: str) -> FileResponse:
    """The uploaded PDF of the text the page shows; 404 where that text has none."""
    _channel, text = _lookup(request, kind)
    if text is None or not text.file:
        raise Http404
    return _public(FileResponse(text.file.open("rb"), content_type="application/pdf", filename=text.filename))
