"""CAMT.053 (ISO 20022 ``BkToCstmrStmt``), the statement German banks export, versions .001.02
to .001.13: the elements are found by their local names, whatever the namespace.

Parsed with ``defusedxml``: a DTD is refused outright, so no entity expansion (billion laughs,
quadratic blow-up) and no external entity (XXE) is ever resolved.

Read: the account's IBAN, the statement id, and per booked entry (``Sts`` ``BOOK``; pending
entries are skipped) its transaction details: amount (the entry's when it holds one
transaction), credit or debit, booking and value date, the unstructured and structured
remittance information, the counterparty (debtor of a credit, creditor of a debit) and its
IBAN, the end-to-end id and the bank's reference.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _

from billing.bank_formats.base import ParsedLine, ParsedStatement, StatementParseError

FORMAT = "camt053"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        found = _children(element, name)
        element = found[0] if found else None
        if element is None:
            return None
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _date(element: Element | None) -> datetime.date | None:
    raw = _text(element, "Dt") or _text(element, "DtTm")[:10]
    try:
        return datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _amount(element: Element | None) -> tuple[Decimal, str] | None:
    if element is None:
        return None
    try:
        amount = Decimal((element.text or "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e10"):
        return None
    return amount, (element.get("Ccy") or "").strip().upper()[:3]


def parse_camt053(data: bytes) -> ParsedStatement:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementParseError(_("The XML file declares a DTD or entities; such files are refused.")) from None
    except (ParseError, ValueError) as exc:
        raise StatementParseError(_("The file is not valid XML: %(error)s") % {"error": str(exc)[:200]}) from None
    statements = _children(_child(root, "BkToCstmrStmt"), "Stmt")
    if _local(root.tag) != "Document" or not statements:
        raise StatementParseError(_("The XML file is not a CAMT.053 bank statement (no BkToCstmrStmt/Stmt)."))
    if len(statements) > 1:
        raise StatementParseError(_("The file holds several statements; import them one by one."))
    stmt = statements[0]
    iban = _text(stmt, "Acct", "Id", "IBAN").replace(" ", "").upper()
    account_currency = _text(stmt, "Acct", "Ccy").upper()
    lines: list[ParsedLine] = []
    for number, entry in enumerate(_children(stmt, "Ntry"), start=1):
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
        if status and status != "BOOK":
            continue
        lines.extend(_entry_lines(entry, number, account_currency))
    return ParsedStatement(FORMAT, iban, _text(stmt, "Id")[:100], lines)


def _entry_lines(entry: Element, number: int, account_currency: str) -> list[ParsedLine]:
    amount = _amount(_child(entry, "Amt"))
    if amount is None:
        raise StatementParseError(_("Entry %(n)d has no readable amount.") % {"n": number})
    sign = -1 if _text(entry, "CdtDbtInd") == "DBIT" else 1
    booked = _date(_child(entry, "BookgDt")) or _date(_child(entry, "ValDt"))
    if booked is None:
        raise StatementParseError(_("Entry %(n)d has no booking date.") % {"n": number})
    value_date = _date(_child(entry, "ValDt"))
    reference = _text(entry, "AcctSvcrRef")
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")]
    if not details:
        details = [None]  # an entry without details is one line of its own
    lines = []
    for index, tx in enumerate(details):
        part = _amount(_child(tx, "Amt")) if tx is not None else None
        if part is None:
            part = _amount(_child(tx, "AmtDtls", "TxAmt", "Amt")) if tx is not None else None
        if part is None or len(details) == 1:
            part = amount
        value, currency = part
        parties = _child(tx, "RltdPties")
        party = "Dbtr" if sign > 0 else "Cdtr"
        name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
        counter_iban = _text(parties, f"{party}Acct", "Id", "IBAN").replace(" ", "").upper()
        remittance = " ".join(
            [_text(u) for u in _children(_child(tx, "RmtInf"), "Ustrd")]
            + [_text(s, "CdtrRefInf", "Ref") for s in _children(_child(tx, "RmtInf"), "Strd")]
            + ([_text(entry, "AddtlNtryInf")] if tx is None else [])
        ).strip()
        lines.append(
            ParsedLine(
                booking_date=booked,
                value_date=value_date,
                amount=sign * value,
                currency=currency or account_currency or "EUR",
                remittance=remittance[:2000],
                counterparty_name=name[:140],
                counterparty_iban=counter_iban[:34],
                end_to_end_id=_text(tx, "Refs", "EndToEndId")[:100] if tx is not None else "",
                bank_reference=f"{reference}#{index}" if reference and len(details) > 1 else reference,
            )
        )
    return lines
