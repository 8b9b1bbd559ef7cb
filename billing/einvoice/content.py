"""An issued invoice or credit note as EN 16931 business terms (a dict keyed by BT/BG numbers,
the shape ``facturx.generate_xml`` reads).

The amounts follow EN 16931's arithmetic, which the Schematron rules check:
- product lines carry their net amount (BT-131); shipping is a document-level charge (BG-21) and
  the order discount a document-level allowance (BG-20), one per VAT rate;
- per VAT rate, lines + charges - allowances equal the taxable amount of the VAT row (BT-116) to
  the cent: the stored VAT rows are the truth, and the parts are shares of them (the rounding
  remainder on the largest part), because in gross price mode a line's net is not stored;
- paid amount (BT-113) is what was paid when the invoice was issued, so the XML of an issued
  invoice is the same whenever it is produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import CreditNote, Invoice, InvoicePayment, LineKind, TaxTreatment
from oms.money import ZERO, quantize

CENT = Decimal("0.01")
PRICE = Decimal("0.0001")

INVOICE_TYPE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE_TYPE = "381"  # UNTDID 1001: credit note
# Business process of XRechnung and Peppol BIS Billing 3.0 (BT-23).
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# UNTDID 5305 VAT categories and the VATEX exemption codes (BT-118, BT-121).
STANDARD, ZERO_RATED, EXEMPT, INTRA_EU, EXPORT = "S", "Z", "E", "K", "G"
VATEX = {INTRA_EU: "VATEX-EU-IC", EXPORT: "VATEX-EU-G"}

# UNTDID 4461 payment means (BT-81) by the order's payment method.
PAYMENT_MEANS = {"card": "48", "paypal": "68", "klarna": "68", "marketplace": "68", "cod": "10", "cash": "10"}
SEPA_CREDIT_TRANSFER = "58"


@dataclass(frozen=True)
class _Part:
    """One amount of a VAT row: a line, the shipping charge or the discount allowance."""

    kind: str  # "line", "charge", "allowance"
    weight: Decimal  # its amount in the document's price mode (sign: + line/charge, - allowance)
    line: Any = None


def category_of(doc: Invoice | CreditNote, rate: Decimal, kind: str = LineKind.PRODUCT) -> str:
    """The VAT category code of a rate on this document."""
    if doc.tax_treatment == TaxTreatment.REVERSE_CHARGE:
        return INTRA_EU
    if doc.tax_treatment == TaxTreatment.EXPORT:
        return EXPORT
    if rate > 0:
        return STANDARD
    # A multi-purpose voucher sold (the only 0 % line at home) is no supply: exempt from VAT here.
    return EXEMPT if kind == LineKind.GIFT_CARD else ZERO_RATED


def _exemption(category: str) -> dict[str, str]:
    if category == INTRA_EU:
        return {"BT-120": _("Intra-Community supply"), "BT-121": VATEX[INTRA_EU]}
    if category == EXPORT:
        return {"BT-120": _("Export outside the EU"), "BT-121": VATEX[EXPORT]}
    if category == EXEMPT:
        return {"BT-120": _("Multi-purpose voucher, no supply (§ 3 Abs. 15 UStG)")}
    return {}


def _shares(total: Decimal, parts: list[_Part]) -> list[Decimal]:
    """``total`` (a VAT row's net) split over ``parts`` in proportion to their weights, in cents;
    the rounding remainder goes to the largest part, so the shares add up exactly."""
    weight = sum((p.weight for p in parts), ZERO)
    if weight == 0:
        shares = [ZERO for _p in parts]
    else:
        shares = [(total * p.weight / weight).quantize(CENT, rounding=ROUND_HALF_UP) for p in parts]
    rest = total - sum(shares, ZERO)
    if rest and parts:
        largest = max(range(len(parts)), key=lambda i: (abs(parts[i].weight), -i))
        shares[largest] += rest
    return shares


def _split_by_rate(amount: Decimal, by_rate: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
    """Shipping or discount split over the rates in proportion to the lines (as ``orders`` does)."""
    rates = sorted(by_rate, reverse=True)
    if not rates or not amount:
        return {}
    weight = sum(by_rate.values(), ZERO)
    if weight == 0:
        return {rates[0]: amount}
    cents = int(amount * 100)
    raw = [Decimal(cents) * by_rate[r] / weight for r in rates]
    floors = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))[: cents - sum(floors)]:
        floors[i] += 1
    return {r: Decimal(c) / 100 for r, c in zip(rates, floors, strict=True)}


def _paid_at_issue(invoice: Invoice) -> Decimal:
    """What was paid on the invoice when it was issued: payments recorded before it, applied to it."""
    if invoice.issued_at is None:
        return ZERO
    paid = (
        InvoicePayment.objects.filter(invoice=invoice, transaction__created_at__lte=invoice.issued_at).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    return min(max(paid, ZERO), invoice.total)


def paid_and_due_at_issue(invoice: Invoice) -> tuple[Decimal, Decimal]:
    paid = _paid_at_issue(invoice)
    return paid, invoice.total - paid


def _address(prefix: str, doc: Invoice | CreditNote) -> dict[str, str]:
    get = lambda name: getattr(doc, f"{prefix}_{name}")  # noqa: E731
    return {
        "addr_l1": get("street"),
        "addr_l2": get("line2"),
        "postcode": get("postcode"),
        "city": get("city"),
        "country_code": get("country"),
    }


def _seller(seller: dict[str, Any]) -> dict[str, Any]:
    contact = {"name": seller.get("company", ""), "phone": seller.get("phone", ""), "email": seller.get("email", "")}
    party: dict[str, Any] = {
        "name": seller.get("company", ""),
        "addr_l1": seller.get("street", ""),
        "postcode": seller.get("postcode", ""),
        "city": seller.get("city", ""),
        "country_code": seller.get("country") or "DE",
        "contacts": [{k: v for k, v in contact.items() if v}],
    }
    if seller.get("vat_id"):
        party["vat_identifier"] = seller["vat_id"]
    if seller.get("tax_number"):
        party["tax_identifier"] = seller["tax_number"]
    legal = " · ".join(v for v in (seller.get("register", ""), seller.get("managing_directors", "")) if v)
    if legal:
        party["legal_info"] = legal
    if seller.get("email"):
        party["einvoicing_addr"] = seller["email"]
        party["einvoicing_addr_schemeid"] = "EM"
    return {k: v for k, v in party.items() if v}


def _buyer(doc: Invoice | CreditNote, *, electronic_address: str) -> dict[str, Any]:
    party: dict[str, Any] = {"name": doc.buyer_company or doc.buyer_name, **_address("buyer", doc)}
    if doc.buyer_vat_id:
        party["vat_identifier"] = doc.buyer_vat_id
    if doc.buyer_company and doc.buyer_name:
        party["contacts"] = [{"name": doc.buyer_name}]
    address = electronic_address or doc.buyer_email
    if address:
        party["einvoicing_addr"] = address
        party["einvoicing_addr_schemeid"] = "EM"
    return {k: v for k, v in party.items() if v}


def _delivery(doc: Invoice | CreditNote) -> dict[str, Any] | None:
    if not doc.delivery_country:
        return None
    party = {"name": doc.delivery_company or doc.delivery_name, **_address("delivery", doc)}
    return {k: v for k, v in party.items() if v}


def _amounts(doc: Invoice | CreditNote) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Lines, charges, allowances and the VAT breakdown, adding up per rate (module docstring)."""
    lines = list(doc.lines.order_by("position", "pk"))
    rows = {row.vat_rate: row for row in doc.vat_rows.all()}
    goods = [ln for ln in lines if ln.kind in (LineKind.PRODUCT, LineKind.CORRECTION)]
    by_rate: dict[Decimal, Decimal] = {}
    for ln in goods:
        by_rate[ln.vat_rate] = by_rate.get(ln.vat_rate, ZERO) + ln.line_total
    shipping = _split_by_rate(doc.shipping_total, by_rate)
    discount = _split_by_rate(doc.discount_total, by_rate)
    out_lines: list[tuple[int, dict]] = []
    charges: list[dict] = []
    allowances: list[dict] = []
    breakdown: list[dict] = []
    for rate in sorted(set(rows) | {ln.vat_rate for ln in lines}, reverse=True):
        row = rows.get(rate)
        parts = [_Part("line", ln.line_total, ln) for ln in lines if ln.vat_rate == rate]
        if shipping.get(rate):
            parts.append(_Part("charge", shipping[rate]))
        if discount.get(rate):
            parts.append(_Part("allowance", -discount[rate]))
        net = row.net if row is not None else ZERO
        kinds = {p.line.kind for p in parts if p.line is not None}
        category = category_of(doc, rate, LineKind.GIFT_CARD if kinds == {LineKind.GIFT_CARD} else LineKind.PRODUCT)
        percent = rate if category in (STANDARD, ZERO_RATED) else ZERO
        for part, share in zip(parts, _shares(net, parts), strict=True):
            if part.kind == "line":
                ln = part.line
                out_lines.append(
                    (
                        ln.position,
                        {
                            "BT-126": str(ln.position),
                            "BT-129": str(ln.quantity),
                            "BT-130": "H87",  # UN/ECE Rec. 20: piece
                            "BT-131": str(share),
                            "BT-146": str(max(share / ln.quantity, ZERO).quantize(PRICE, rounding=ROUND_HALF_UP)),
                            "BT-151": category,
                            "BT-152": str(percent),
                            "BT-153": ln.name,
                            **({"BT-155": ln.sku} if ln.sku else {}),
                        },
                    )
                )
            else:
                entry = {
                    "amount": str(abs(share)),
                    "vat_category_code": category,
                    "vat_rate": str(percent),
                }
                if part.kind == "charge":
                    charges.append({**entry, "reason": _("Shipping"), "reason_code": "DL"})  # UNTDID 7161: delivery
                else:
                    allowances.append({**entry, "reason": _("Discount"), "reason_code": "95"})  # UNTDID 5189
        if row is not None:
            breakdown.append(
                {
                    "BT-116": str(row.net),
                    "BT-117": str(row.vat),
                    "BT-118": category,
                    "BT-119": str(percent),
                    **_exemption(category),
                }
            )
    return [d for _p, d in sorted(out_lines, key=lambda x: x[0])], charges, allowances, breakdown


def _payment(doc: Invoice | CreditNote, invoice: Invoice) -> dict[str, Any]:
    seller = doc.seller
    means = PAYMENT_MEANS.get(invoice.payment_method, "")
    out: dict[str, Any] = {"BT-83": invoice.number}
    if not means and seller.get("iban"):
        out.update({"BT-81": SEPA_CREDIT_TRANSFER, "BT-84": seller["iban"].replace(" ", "")})
        if seller.get("bank_name"):
            out["BT-85"] = seller.get("company", "")
        if seller.get("bic"):
            out["BT-86"] = seller["bic"]
    else:
        out["BT-81"] = means or "1"  # 1: instrument not defined
    return out


def document_content(doc: Invoice | CreditNote, *, buyer_reference: str = "", electronic_address: str = "") -> dict:
    """The EN 16931 content of an issued invoice or credit note, texts in the document's language.

    ``buyer_reference``: BT-10 (a public buyer's Leitweg-ID); the order number when empty.
    ``electronic_address``: the buyer's e-invoicing address (BT-49); the billing e-mail when empty.
    """
    is_note = isinstance(doc, CreditNote)
    invoice = doc.invoice if is_note else doc
    with translation.override(doc.language):
        lines, charges, allowances, breakdown = _amounts(doc)
        paid = ZERO if is_note else _paid_at_issue(doc)
        data: dict[str, Any] = {
            "BT-1": doc.number,
            "BT-2": doc.credit_date if is_note else doc.invoice_date,
            "BT-3": CREDIT_NOTE_TYPE if is_note else INVOICE_TYPE,
            "BT-5": doc.currency,
            "BT-10": buyer_reference or doc.order.number,
            "BT-14": doc.order.number,
            "BT-23": BILLING_PROCESS,
            "BT-24": "urn:cen.eu:en16931:2017",
            "BT-72": invoice.delivery_date,
            "BG-4": _seller(doc.seller),
            "BG-7": _buyer(doc, electronic_address=electronic_address),
            "BG-23": breakdown,
            "BG-25": lines,
            "BT-106": str(quantize(sum((Decimal(ln["BT-131"]) for ln in lines), ZERO))),
            "BT-109": str(doc.net_total),
            "BT-110": str(doc.vat_total),
            "BT-112": str(doc.total),
            "BT-115": str(doc.total - paid),
            **_payment(doc, invoice),
        }
        if not is_note:
            data["BT-9"] = doc.due_date
            if doc.payment_terms_days:
                data["BT-20"] = _("Payable within %(days)s days without deduction.") % {"days": doc.payment_terms_days}
            else:
                data["BT-20"] = _("Payable at once.")
        if paid:
            data["BT-113"] = str(paid)
        if charges:
            data["BG-21"] = charges
            data["BT-108"] = str(sum((Decimal(c["amount"]) for c in charges), ZERO))
        if allowances:
            data["BG-20"] = allowances
            data["BT-107"] = str(sum((Decimal(a["amount"]) for a in allowances), ZERO))
        delivery = _delivery(doc)
        if delivery:
            data["BG-13"] = delivery
        notes = [n for n in (doc.legal_note, getattr(doc, "reason_text", "")) if n]
        if notes:
            data["BG-1"] = [{"BT-22": n} for n in notes]
        if is_note:
            data["BG-3"] = [{"BT-25": invoice.number, "BT-26": invoice.invoice_date}]
    return data
