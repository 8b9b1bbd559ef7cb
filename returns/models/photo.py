"""Photos a customer or support attaches to a return request (a damaged item, a wrong one).

The files are images Pillow has decoded and re-encoded (``returns.photos``), stored on the private
default storage under ``MEDIA_ROOT`` (never served as a URL of its own): support and the
customer's own portal link read them through views that check who asks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReturnPhoto(models.Model):
    request = models.ForeignKey(
        "returns.ReturnRequest", verbose_name=_("return request"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("image"), max_length=200)
    thumbnail = models.FileField(_("thumbnail"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_by_label = models.CharField(_("uploaded by"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("return photo")
        verbose_name_plural = _("return photos")
        ordering = ["request", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png"]), name="returns_photo_content_type"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.image.name
