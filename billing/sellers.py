"""The seller as printed on invoices: the admin's seller profile, or the defaults from
``settings.BILLING_SELLER`` until one is saved."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from billing.models import SellerProfile

PRINTED = [
    "company",
    "street",
    "postcode",
    "city",
    "country",
    "vat_id",
    "tax_number",
    "register",
    "managing_directors",
    "email",
    "phone",
    "website",
    "bank_name",
    "iban",
    "bic",
]


def seller_profile() -> SellerProfile:
    profile = SellerProfile.objects.filter(pk=1).first() or SellerProfile.objects.order_by("pk").first()
    if profile is None:
        profile = SellerProfile(**{k: v for k, v in settings.BILLING_SELLER.items() if k in PRINTED})
    return profile


def seller_snapshot(profile: SellerProfile) -> dict[str, Any]:
    """What an invoice keeps of the seller (its content never changes afterwards)."""
    return {name: getattr(profile, name) for name in PRINTED}
