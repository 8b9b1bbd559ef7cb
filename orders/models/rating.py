"""Customer feedback: after delivery a customer rates the order (1 to 5) with a comment, from the
portal. One rating per order; managers read them in reports."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RATING_COMMENT_MAX_LENGTH = 2000


class OrderRating(models.Model):
    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="rating"
    )
    stars = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 (poor) to 5 (excellent).")
    )
    comment = models.TextField(_("comment"), max_length=RATING_COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("order rating")
        verbose_name_plural = _("order ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="orders_rating_stars_1_5"),
        ]
        # Reports read ratings by period.
        indexes = [models.Index(fields=["created_at"], name="orders_rating_created_idx")]

    def __str__(self) -> str:
        return f"{self.stars}/5"
