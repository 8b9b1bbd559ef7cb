"""The customer mails of ``returns``: the acknowledgement of a withdrawal (subject type
"withdrawal"; the sent mail goes on the order's timeline). Registered from ``ReturnsConfig.ready()``.

The acknowledgement repeats the declaration as stored (``Withdrawal.text``) with the date and the
time we received it, so the customer holds it on a durable medium (§ 356a BGB).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms import mail
from oms.mail import MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from orders.portal_links import portal_url
from orders.services import timeline
from returns.models import Withdrawal
from returns.services.withdrawals import ACKNOWLEDGEMENT


def _withdrawal(subject_id: str) -> Withdrawal:
    return Withdrawal.objects.select_related("order__channel", "return_request").get(pk=int(subject_id))


def _record_on_timeline(sent: CustomerMail) -> None:
    order = _withdrawal(sent.subject_id).order
    timeline.mail_sent(
        order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk, resend=bool(sent.resend_of_id)
    )


def _sample() -> str | None:
    pk = Withdrawal.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _staff_url(subject_id: str) -> str | None:
    number = Withdrawal.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _customer(subject_id: str) -> int | None:
    return Withdrawal.objects.filter(pk=int(subject_id)).values_list("order__customer_id", flat=True).first()


def withdrawal_acknowledgement(subject_id: str, language: str) -> MailContent:
    withdrawal = _withdrawal(subject_id)
    order = withdrawal.order
    return MailContent(
        context={
            "withdrawal": withdrawal,
            "order": order,
            "channel": order.channel,
            "customer_name": withdrawal.name,
            "received_at": timezone.localtime(withdrawal.declared_at),
            "cancelled": bool(withdrawal.cancelled),
            "return_request": withdrawal.return_request,
            "portal_url": portal_url(order.pk),
        }
    )


def register() -> None:
    mail.register_subject_type(
        SubjectType(
            "withdrawal", on_sent=_record_on_timeline, sample=_sample, staff_url=_staff_url, customer_of=_customer
        )
    )
    mail.register_kind(
        MailKind(
            ACKNOWLEDGEMENT,
            _("Acknowledgement of withdrawal"),
            subject_type="withdrawal",
            template="returns/mail/withdrawal_acknowledgement",
            build=withdrawal_acknowledgement,
        )
    )
