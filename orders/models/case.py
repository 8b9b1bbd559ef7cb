"""Support cases: a conversation about an order or a customer, with a message thread.

Only the models live here; the support desk screens and services build on them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")


class SupportCase(FSMModelMixin, models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, null=True, blank=True, related_name="cases"
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases"
    )
    subject = models.CharField(_("subject"), max_length=200)
    state = FSMField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.OPEN, protected=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_by_customer = models.BooleanField(_("opened by the customer"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["state", "-updated_at"], name="orders_case_queue_idx")]

    def __str__(self) -> str:
        return self.subject

    @transition(field=state, source=[CaseState.OPEN, CaseState.RESOLVED], target=CaseState.WAITING)
    def wait_for_customer(self) -> None:
        self.resolved_at = None

    @transition(field=state, source=[CaseState.WAITING, CaseState.RESOLVED], target=CaseState.OPEN)
    def reopen(self) -> None:
        self.resolved_at = None

    @transition(field=state, source=[CaseState.OPEN, CaseState.WAITING], target=CaseState.RESOLVED)
    def resolve(self) -> None:
        self.resolved_at = timezone.now()

    # Templates render cases: they must never run a transition.
    wait_for_customer.alters_data = True
    reopen.alters_data = True
    resolve.alters_data = True


class CaseMessage(models.Model):
    case = models.ForeignKey(SupportCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_label = models.CharField(_("author"), max_length=100, blank=True)
    from_customer = models.BooleanField(_("from the customer"), default=False)
    internal = models.BooleanField(_("internal"), default=False, help_text=_("Not shown to the customer."))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
