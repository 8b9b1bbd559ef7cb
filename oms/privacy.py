"""Data-subject rights (GDPR Art. 15, 17, 20) across every app: export and erasure of one customer.

``oms`` imports no app, so each app says what it holds about a customer by registering a
contributor from its ``AppConfig.ready()``::

    privacy.register("returns", export=export_returns, erase=erase_returns, refusals=open_returns, order=50)

- ``export(subject)`` answers ``{section: [record, ...]}``: plain JSON values (str, int, bool,
  None, lists, dicts), in the order a person reads them; dates as ISO strings.
- ``refusals(subject)`` answers the reasons (translated sentences) why the customer cannot be
  erased now (an open order, an open receivable); an empty list: nothing stands in the way.
- ``erase(subject, erasure)`` deletes or irreversibly pseudonymises what the app holds, inside
  the erasure's transaction, and counts it with ``erasure.count(what, n)``. Records that the law
  makes us keep (invoices, credit notes, booking records: §14b UStG, §147 AO) are left as they are;
  the retention job (``oms.retention``) removes them when their period ends. Stored files are
  deleted or rewritten when the erasure commits (``delete_file_on_commit``), never before.

The ``orders`` app, which owns the customer, registers the subject resolver
(``register_subject_resolver``): from a customer id, the customer's orders and every string that
identifies the person (e-mail addresses, names, phone numbers, streets, companies, VAT id), which
``scrub`` replaces in free text and JSON wherever such a string may have been copied.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.error_codes import CommonErrorCode
from oms.exceptions import DomainError

# What replaces an erased value in free text and JSON.
ERASED = "[erased]"
# Pseudonymised e-mail addresses: a valid address at a domain that can never receive mail (RFC 2606).
ERASED_EMAIL_DOMAIN = "erased.invalid"
# Identifying strings shorter than this are not scrubbed from free text (a one-letter "name" would
# blank every word it is part of).
MIN_TERM_LENGTH = 3
# The transaction-local PostgreSQL setting the immutability triggers ask (withdrawals, issued
# invoices and credit notes): 'on' only inside ``erasure_mode``.
ERASURE_SETTING = "oms.erasure"
# SQLite has no transaction-local settings: there, ``erasure_mode`` writes a row into this table
# (created by the ``oms`` migrations on SQLite only) and deletes it again before its transaction
# commits, and the triggers ask whether the table has a row. Nobody else ever sees the row: SQLite
# lets one transaction write at a time, and other connections read only what is committed.
SQLITE_ERASURE_TABLE = "oms_erasure_mode"


@dataclass
class Subject:
    """One customer and what identifies them, as the owner of customers (``orders``) resolved it."""

    customer_id: int
    emails: set[str] = field(default_factory=set)
    # Whole identifying strings (e-mail addresses, full names, phone numbers, streets, companies,
    # VAT id): safe to look for in records of other people too.
    identifiers: set[str] = field(default_factory=set)
    # ``identifiers`` plus the words of the names: scrubbed in the person's own records only
    # (another "Erika" keeps her first name).
    terms: set[str] = field(default_factory=set)
    order_ids: list[int] = field(default_factory=list)
    order_numbers: list[str] = field(default_factory=list)

    def scrub(self, value: Any) -> Any:
        return scrub(value, self.terms)


@dataclass
class Erasure:
    """The running erasure: its pseudonym and what each contributor has done so far."""

    subject: Subject
    pseudonym: str
    by: str
    at: Any
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def email(self) -> str:
        """The pseudonymised e-mail address that replaces the customer's everywhere."""
        return f"{self.pseudonym}@{ERASED_EMAIL_DOMAIN}"

    def count(self, what: str, n: int) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


@dataclass(frozen=True)
class Contributor:
    name: str
    export: Callable[[Subject], dict[str, list[dict[str, Any]]]] | None = None
    erase: Callable[[Subject, Erasure], None] | None = None
    refusals: Callable[[Subject], list[str]] | None = None
    order: int = 100


class ErasureRefusedError(DomainError):
    code = CommonErrorCode.ERASURE_REFUSED

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(_("The customer cannot be erased now: %(reasons)s") % {"reasons": " ".join(reasons)})


class UnknownSubjectError(LookupError):
    pass


_contributors: dict[str, Contributor] = {}
_resolver: list[Callable[..., Subject | None]] = []


def register(
    name: str,
    *,
    export: Callable[[Subject], dict[str, list[dict[str, Any]]]] | None = None,
    erase: Callable[[Subject, Erasure], None] | None = None,
    refusals: Callable[[Subject], list[str]] | None = None,
    order: int = 100,
) -> None:
    """Register what app ``name`` holds about customers; call from ``AppConfig.ready()``."""
    _contributors[name] = Contributor(name, export, erase, refusals, order)


def register_subject_resolver(resolve: Callable[..., Subject | None]) -> None:
    """``resolve(customer_id, lock=False)`` answers the ``Subject`` (None: no such customer); with
    ``lock`` it first locks the customer and their orders (inside the caller's transaction) so
    that nothing is added to them until it ends. One resolver."""
    _resolver[:] = [resolve]


def contributors() -> list[Contributor]:
    return sorted(_contributors.values(), key=lambda c: (c.order, c.name))


def resolve(customer_id: int, *, lock: bool = False) -> Subject:
    if not _resolver:
        raise UnknownSubjectError("no subject resolver is registered")
    subject = _resolver[0](customer_id, lock=lock)
    if subject is None:
        raise UnknownSubjectError(customer_id)
    return subject


@contextmanager
def erasure_mode() -> Iterator[None]:
    """A transaction (a savepoint inside another) in which the database lets the erasure and the
    retention job change rows it otherwise refuses to change: a declaration of withdrawal, the
    parties of an issued invoice or credit note. Nothing else may run inside it. When the block
    ends the rows are immutable again, also for the rest of an enclosing transaction; when it
    raises, its changes and the permission roll back together."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            token = secrets.token_hex(8)
            cursor.execute(f"INSERT INTO {SQLITE_ERASURE_TABLE} (token) VALUES (%s)", [token])
            yield
            cursor.execute(f"DELETE FROM {SQLITE_ERASURE_TABLE} WHERE token = %s", [token])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [ERASURE_SETTING])
            (before,) = cursor.fetchone()
            cursor.execute("SELECT set_config(%s, 'on', true)", [ERASURE_SETTING])
            yield
            cursor.execute("SELECT set_config(%s, %s, true)", [ERASURE_SETTING, before])
        else:
            yield


# --- export (Art. 15, 20) -------------------------------------------------------------------------


def export_customer_data(customer_id: int) -> dict[str, Any]:
    """Everything held about the customer, as JSON-ready data: ``{"customer_id", "exported_at",
    "sections": {section: [records]}}``, the sections in the contributors' order."""
    subject = resolve(customer_id)
    sections: dict[str, list[dict[str, Any]]] = {}
    for contributor in contributors():
        if contributor.export is None:
            continue
        for section, records in contributor.export(subject).items():
            sections.setdefault(section, []).extend(records)
    return {"customer_id": customer_id, "exported_at": timezone.now().isoformat(), "sections": sections}


# --- erasure (Art. 17) ----------------------------------------------------------------------------


def erasure_refusals(customer_id: int) -> list[str]:
    """Why the customer cannot be erased now (empty: they can)."""
    subject = resolve(customer_id)
    reasons: list[str] = []
    for contributor in contributors():
        if contributor.refusals is not None:
            reasons.extend(contributor.refusals(subject))
    return reasons


def erase_customer(customer_id: int, *, by: str = "") -> Erasure:
    """Erase the customer's personal data everywhere, in one transaction, or nothing at all.

    Raises ``ErasureRefusedError`` (nothing changed) while a contributor has a reason to refuse
    (open orders, open receivables). The customer and their orders are locked first and the
    refusals asked under that lock, so an order placed meanwhile either came first (and refuses
    the erasure) or waits for it to commit (and then belongs to a new customer record: the
    erased one no longer has the e-mail address). Returns the erasure with what was removed per
    kind of record; an audit entry records it (without the person's data).
    """
    from oms.models import PrivacyAuditEntry

    # Immutable rows (a declaration of withdrawal) accept the pseudonymisation only in erasure mode.
    with erasure_mode():
        subject = resolve(customer_id, lock=True)
        reasons = []
        for contributor in contributors():
            if contributor.refusals is not None:
                reasons.extend(contributor.refusals(subject))
        if reasons:
            raise ErasureRefusedError(reasons)
        erasure = Erasure(subject=subject, pseudonym=f"erased-{secrets.token_hex(6)}", by=by, at=timezone.now())
        for contributor in contributors():
            if contributor.erase is not None:
                contributor.erase(subject, erasure)
        PrivacyAuditEntry.objects.create(
            action=PrivacyAuditEntry.Action.ERASURE,
            customer_id=customer_id,
            username=by[:150],
            removed=erasure.counts,
            at=erasure.at,
        )
    return erasure


# --- scrubbing free text and JSON -----------------------------------------------------------------


def terms_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``terms`` (longest first), or None."""
    usable = sorted({t.strip() for t in terms if t and len(t.strip()) >= MIN_TERM_LENGTH}, key=len, reverse=True)
    if not usable:
        return None
    return re.compile("|".join(re.escape(t) for t in usable), re.IGNORECASE)


def scrub(value: Any, terms: Iterable[str] | re.Pattern[str] | None) -> Any:
    """``value`` with every occurrence of ``terms`` replaced by ``ERASED``: in a string, and in
    every key and string of a JSON value (dicts, lists). Other values come back unchanged."""
    pattern = terms if isinstance(terms, re.Pattern) or terms is None else terms_pattern(terms)
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {scrub(key, pattern): scrub(item, pattern) for key, item in value.items()}
    return value


def scrub_rows(queryset: Any, fields: Iterable[str], subject: Subject, *, others: bool = False) -> int:
    """Scrub ``fields`` (text or JSON) of every row of ``queryset``; save only the rows that
    changed. Returns how many did. ``others``: the rows may be about other people too, so only
    whole identifiers are replaced (see ``Subject``)."""
    fields = list(fields)
    pattern = terms_pattern(subject.identifiers if others else subject.terms)
    if pattern is None:
        return 0
    changed = 0
    for row in queryset.only("pk", *fields):
        updates = {}
        for name in fields:
            old = getattr(row, name)
            new = scrub(old, pattern)
            if new != old:
                updates[name] = new
        if updates:
            type(row)._base_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed


def mentioning(subject: Subject, *fields: str) -> Any:
    """A filter (``Q``) for rows whose ``fields`` (text, or JSON as text) hold an identifier of
    the subject, for records that are not linked to the customer by a key."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for identifier in subject.identifiers:
        if len(identifier) >= MIN_TERM_LENGTH:
            for name in fields:
                q |= Q(**{f"{name}__icontains": identifier})
    return q


def delete_file_on_commit(storage: Any, name: str) -> None:
    """Delete a stored file once the erasure has committed (a rolled-back erasure keeps it)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def replace_file_on_commit(storage: Any, name: str, content: bytes) -> None:
    """Write ``content`` over a stored file once the erasure has committed."""
    from django.core.files.base import ContentFile

    def replace() -> None:
        storage.delete(name)
        storage.save(name, ContentFile(content))

    transaction.on_commit(replace)


def discard_documents(documents: Any) -> int:
    """Delete stored PDFs and their rows (a label, a delivery note: rendered again from the
    pseudonymised data if anyone asks); the files go when the erasure commits. A file shared by
    another row (same bytes) stays for it."""
    from oms.models import Document

    discarded = 0
    for document in list(documents):
        name = document.file.name if document.file else ""
        if name and not Document.objects.filter(file=name).exclude(pk=document.pk).exists():
            delete_file_on_commit(document.file.storage, name)
        document.delete()
        discarded += 1
    return discarded
