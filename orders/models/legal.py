"""A channel's legal texts (imprint, terms, withdrawal instructions, privacy notice) per language.

Each is a text (rendered to PDF by the document service) or an uploaded PDF. The order
confirmation carries the terms and the withdrawal instructions as attachments: a link is not a
durable medium. All of them are shown in the customer portal (``/track/legal/<kind>/``).
``version`` counts changes, so a mail sent before a change keeps the PDF it had.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LegalTextKind(models.TextChoices):
    IMPRINT = "imprint", _("Imprint")
    TERMS = "terms", _("Terms and conditions")
    WITHDRAWAL = "withdrawal", _("Withdrawal instructions")
    PRIVACY = "privacy", _("Privacy notice")


# What goes with the order confirmation (§ 312f BGB: the contract terms and the withdrawal
# instructions on a durable medium).
CONFIRMATION_ATTACHMENTS = (LegalTextKind.TERMS, LegalTextKind.WITHDRAWAL)


class LegalText(models.Model):
    channel = models.ForeignKey(
        "orders.Channel", verbose_name=_("sales channel"), on_delete=models.CASCADE, related_name="legal_texts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LegalTextKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=[("de", _("German")), ("en", _("English"))])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Paragraphs separated by blank lines."))
    file = models.FileField(
        _("PDF file"),
        upload_to="legal/",
        blank=True,
        help_text=_("A PDF to send instead of the text, e.g. from your lawyer."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("legal text")
        verbose_name_plural = _("legal texts")
        ordering = ["channel", "kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "kind", "language"], name="orders_legaltext_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def clean(self) -> None:
        if not self.body.strip() and not self.file:
            raise ValidationError(_("Give the text or upload a PDF file."))
        if self.file and not self.file.name.lower().endswith(".pdf"):
            raise ValidationError({"file": _("Upload a PDF file.")})
        if self.file and hasattr(self.file, "open"):
            self.file.open("rb")
            head = self.file.read(5)
            self.file.seek(0)
            if head != b"%PDF-":
                raise ValidationError({"file": _("This file is not a PDF.")})

    @property
    def filename(self) -> str:
        """The attachment's name: the title as the channel wrote it, safe for any mail client."""
        safe = "".join(c if c.isalnum() or c in " ._-()" else "-" for c in self.title).strip(" .") or self.kind
        return f"{safe[:100]}.pdf"
