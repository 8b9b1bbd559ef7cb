"""Customer mail: one template set per kind of mail, in the customer's language, with attachments,
sent through the outbox and recorded on the timeline of what it is about.

An app registers what its mails are about (a *subject type*, e.g. ``"order"``: how to record a
sent mail on its timeline, which subject a preview shows) and each kind of mail (template and a
builder of its context and attachments) from its ``AppConfig.ready()``. A service enqueues a mail
inside its own transaction::

    enqueue_mail("order_confirmation", subject_id=str(order.pk), to=order.email, language=customer.language)

That writes a ``CustomerMail`` row and an outbox message, which commit or roll back with the
change. A worker renders and sends it (templates ``<template>.subject.txt``, ``.txt`` and
``.html``, rendered with the language active), records what went out on the row, and calls the
subject type's ``on_sent`` in the same transaction (``orders`` writes the timeline entry there). A
failure is kept on the row (attempts, last error) and retried by the outbox with backoff; after
``OUTBOX_MAX_ATTEMPTS`` the mail is failed, and staff see it in the mail list (``/support/mails/``)
and the admin, where they can send it again.

A mail that must go out once per occurrence (a notification about an event that may be reported
twice: a carrier repeating a scan, a webhook delivered again) passes ``once_key``: a second
``enqueue_mail`` with the same key enqueues nothing and returns None. Resends have no key.

Sender, reply-to and the footer (the imprint) are settings: ``DEFAULT_FROM_EMAIL``,
``MAIL_REPLY_TO`` and ``MAIL_FOOTER`` (empty: built from ``BILLING_SELLER``), and per sales
channel ``MAIL_SENDERS`` (``{"<channel code>": {"from": ..., "reply_to": ..., "footer": ...}}``),
chosen by the ``sender`` a kind's builder names in its ``MailContent``.

The message carries the outbox message's key (``Message-ID``, ``X-OMS-Idempotency-Key``), so a
mail server or a test can drop a repeat.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from oms import outbox
from oms.exceptions import DomainError
from oms.models import CustomerMail, MailStatus, OutboxMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass(frozen=True)
class MailContent:
    """What a kind's builder returns for one subject: the template context and the attachments."""

    context: dict[str, Any]
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    sender: str = ""  # a key of MAIL_SENDERS (a channel code); empty: the defaults


@dataclass(frozen=True)
class MailKind:
    code: str
    label: str | Promise
    subject_type: str
    template: str  # prefix of <template>.subject.txt, <template>.txt, <template>.html
    build: Callable[[str, str], MailContent]  # (subject id, language) -> content


@dataclass(frozen=True)
class SubjectType:
    name: str
    on_sent: Callable[[CustomerMail], None]  # runs in the transaction that marks the mail sent
    sample: Callable[[], str | None]  # a subject to preview mails with (None: there is none yet)
    staff_url: Callable[[str], str | None] = lambda subject_id: None
    # Whose personal data a mail about this subject holds (a customer id), for the access log.
    customer_of: Callable[[str], int | None] = lambda subject_id: None


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    attachments: Sequence[Attachment]
    from_email: str = ""
    reply_to: str = ""


class MailError(DomainError):
    pass


_kinds: dict[str, MailKind] = {}
_subject_types: dict[str, SubjectType] = {}


def register_subject_type(subject_type: SubjectType) -> None:
    _subject_types[subject_type.name] = subject_type


def register_kind(kind: MailKind) -> None:
    """Register a kind of mail; call from ``AppConfig.ready()``. Re-registering replaces."""
    _kinds[kind.code] = kind


def get_kind(code: str) -> MailKind:
    try:
        return _kinds[code]
    except KeyError:
        raise MailError(_("There is no kind of mail “%(kind)s”.") % {"kind": code}) from None


def kinds() -> list[MailKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def kind_choices() -> list[tuple[str, str | Promise]]:
    return [(k.code, k.label) for k in kinds()]


def kind_label(code: str) -> str | Promise:
    kind = _kinds.get(code)
    return kind.label if kind else code


def subject_type(name: str) -> SubjectType:
    return _subject_types[name]


def mail_language(language: str | None) -> str:
    """The language to write in: the customer's, if we have templates in it, else the default."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").lower()[:2]
    return language if language in codes else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Sender:
    from_email: str
    reply_to: str
    footer: list[str]


def sender(key: str = "") -> Sender:
    """Who a mail comes from, where answers go, and its footer: ``MAIL_SENDERS[key]`` over the
    defaults."""
    own = settings.MAIL_SENDERS.get(key, {}) if key else {}
    footer = own.get("footer") or settings.MAIL_FOOTER
    return Sender(
        from_email=own.get("from") or settings.DEFAULT_FROM_EMAIL,
        reply_to=own.get("reply_to") or settings.MAIL_REPLY_TO,
        footer=[line.strip() for line in footer.split("|") if line.strip()] if footer else _seller_footer(),
    )


def _seller_footer() -> list[str]:
    """The imprint from ``BILLING_SELLER``: who we are, where, registered where, run by whom."""
    seller = settings.BILLING_SELLER
    lines = [
        " · ".join(p for p in (seller.get("company"), seller.get("street")) if p)
        + (f", {seller.get('postcode', '')} {seller.get('city', '')}".rstrip() if seller.get("city") else ""),
        " · ".join(
            p
            for p in (
                seller.get("register"),
                _("Managing directors: %(names)s") % {"names": seller["managing_directors"]}
                if seller.get("managing_directors")
                else "",
                _("VAT ID: %(id)s") % {"id": seller["vat_id"]} if seller.get("vat_id") else "",
            )
            if p
        ),
        " · ".join(p for p in (seller.get("email"), seller.get("phone"), seller.get("website")) if p),
    ]
    return [line for line in lines if line.strip(" ,")]


def enqueue_mail(
    kind: str,
    *,
    subject_id: str,
    to: str,
    language: str | None,
    requested_by: str = "system",
    resend_of: CustomerMail | None = None,
    once_key: str | None = None,
) -> CustomerMail | None:
    """Record a mail to send in the current transaction; a worker sends it after commit.

    With ``once_key``: None, and nothing enqueued, when a mail with that key exists (also one a
    concurrent transaction is committing: the unique index makes it wait, then refuse)."""
    mail_kind = get_kind(kind)
    mail = CustomerMail(
        kind=kind,
        subject_type=mail_kind.subject_type,
        subject_id=str(subject_id),
        to=to,
        language=mail_language(language),
        requested_by=requested_by[:100],
        resend_of=resend_of,
        once_key=once_key[:200] if once_key else None,
    )
    if once_key is None:
        outbox.insert_and_enqueue(mail, "customer_mail", id_key="mail_id")  # one statement
        return mail
    if CustomerMail.objects.filter(once_key=mail.once_key).exists():
        return None
    try:
        with transaction.atomic():
            outbox.insert_and_enqueue(mail, "customer_mail", id_key="mail_id")
    except IntegrityError:
        return None
    return mail


def resend_mail(mail: CustomerMail, *, requested_by: str) -> CustomerMail:
    """Send a sent (or finally failed) mail again, rendered afresh, as a new mail row."""
    if mail.status == MailStatus.PENDING:
        raise MailError(_("This mail is still on its way; wait for it to be sent or to fail."))
    with transaction.atomic():
        return enqueue_mail(
            mail.kind,
            subject_id=mail.subject_id,
            to=mail.to,
            language=mail.language,
            requested_by=requested_by,
            resend_of=mail,
        )


def render_mail(kind: str, *, subject_id: str, language: str) -> RenderedMail:
    """The mail as it would go out now, in ``language`` (previews use this too)."""
    mail_kind = get_kind(kind)
    with translation.override(mail_language(language)):
        content = mail_kind.build(str(subject_id), mail_language(language))
        from_ = sender(content.sender)
        context = {
            **content.context,
            "language": mail_language(language),
            "mail_kind": mail_kind,
            "attachments": content.attachments,
            "mail_footer": from_.footer,
        }
        subject = " ".join(render_to_string(f"{mail_kind.template}.subject.txt", context).split())
        text = render_to_string(f"{mail_kind.template}.txt", context)
        html = render_to_string(f"{mail_kind.template}.html", context)
    return RenderedMail(
        subject=subject,
        text=text,
        html=html,
        attachments=tuple(content.attachments),
        from_email=from_.from_email,
        reply_to=from_.reply_to,
    )


def preview_mail(kind: str, *, language: str, subject_id: str | None = None) -> RenderedMail | None:
    """The mail rendered for ``subject_id``, or for the subject type's sample (None: no sample)."""
    mail_kind = get_kind(kind)
    subject_id = subject_id or subject_type(mail_kind.subject_type).sample()
    if subject_id is None:
        return None
    return render_mail(kind, subject_id=subject_id, language=language)


def deliver_customer_mail(message: OutboxMessage) -> None:
    """Outbox handler: render and send one mail unless it was sent already.

    Runs inside the outbox's delivery transaction (the outbox row is locked); the mail row is
    locked too, so a resend and a retry never send the same row twice at once."""
    error: Exception | None = None
    with transaction.atomic():
        mail = CustomerMail.objects.select_for_update().get(pk=message.payload["mail_id"])
        if mail.status == MailStatus.SENT:
            return
        mail.attempts += 1
        try:
            with transaction.atomic():  # a database error while rendering leaves the row writable
                rendered = render_mail(mail.kind, subject_id=mail.subject_id, language=mail.language)
            _email(mail, rendered, key=str(message.key)).send(fail_silently=False)
        except Exception as exc:
            error = exc
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                mail.status = MailStatus.FAILED
            mail.save(update_fields=["attempts", "last_error", "status"])
        else:
            _record_sent(mail, rendered)
    if error is not None:
        raise error


def _email(mail: CustomerMail, rendered: RenderedMail, *, key: str) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=rendered.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        reply_to=[rendered.reply_to] if rendered.reply_to else None,
        headers={"Message-ID": f"<{key}@oms>", "X-OMS-Idempotency-Key": key, "Content-Language": mail.language},
    )
    email.attach_alternative(rendered.html, "text/html")
    for attachment in rendered.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


def _record_sent(mail: CustomerMail, rendered: RenderedMail) -> None:
    mail.status = MailStatus.SENT
    mail.sent_at = timezone.now()
    mail.last_error = ""
    mail.subject_line = rendered.subject[:300]
    mail.body_text = rendered.text
    mail.body_html = rendered.html
    mail.attachments = [
        {"filename": a.filename, "size": len(a.content), "sha256": hashlib.sha256(a.content).hexdigest()}
        for a in rendered.attachments
    ]
    mail.save()
    try:
        with transaction.atomic():
            subject_type(mail.subject_type).on_sent(mail)
    except Exception:
        # The mail is out; a timeline that could not be written must not make us send it again.
        logger.exception("Mail %s was sent, but recording it on its %s failed", mail.pk, mail.subject_type)


outbox.register_handler("customer_mail", deliver_customer_mail)
