"""Signed links to an order's page in the customer portal (``/track/<token>/``).

A token is the order's id and an expiry time, signed with the project's ``SECRET_KEY``
(``django.core.signing``, its own salt): changing the id (to a neighbour's order) or the expiry
breaks the signature, and without the key nobody can make one. Mails carry a link valid for
``PORTAL_MAIL_LINK_DAYS``; a lookup by order number and e-mail hands out one valid for
``PORTAL_LOOKUP_LINK_HOURS``. A token says nothing secret (it holds an id and a time), so it may
sit in a URL; what it grants is the sight of one order, to whoever holds it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "orders.portal.order-link"


class LinkRefused(Exception):
    """The token is not ours (forged, altered, malformed) or ``expired``."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class PortalLink:
    order_id: int
    expires_at: datetime.datetime


def make_token(order_id: int, *, valid_for: datetime.timedelta, now: datetime.datetime | None = None) -> str:
    expires = int(((now or timezone.now()) + valid_for).timestamp())
    return signing.dumps([int(order_id), expires], salt=SALT, compress=False)


def read_token(token: str, *, now: datetime.datetime | None = None) -> PortalLink:
    """The order a token opens; ``LinkRefused`` when it is not a valid, unexpired token of ours."""
    if not isinstance(token, str) or len(token) > 200:
        raise LinkRefused()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkRefused() from None
    if not (isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload)):
        raise LinkRefused()
    order_id, expires = payload
    expires_at = datetime.datetime.fromtimestamp(expires, tz=datetime.UTC)
    if expires_at <= (now or timezone.now()):
        raise LinkRefused(expired=True)
    return PortalLink(order_id=order_id, expires_at=expires_at)


def mail_link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.PORTAL_MAIL_LINK_DAYS)


def lookup_link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.PORTAL_LOOKUP_LINK_HOURS)


def portal_path(order_id: int, *, valid_for: datetime.timedelta | None = None) -> str:
    return reverse("orders:portal-order", args=[make_token(order_id, valid_for=valid_for or lookup_link_lifetime())])


def portal_url(order_id: int) -> str:
    """The absolute link a customer mail carries to the order's portal page (``PORTAL_BASE_URL``)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + portal_path(order_id, valid_for=mail_link_lifetime())
