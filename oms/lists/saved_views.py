"""Saved views: a list's filters and sort kept under a name per user, one click away in the list's
header. Reads and the two writes (save, delete), each one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from oms.error_codes import CommonErrorCode
from oms.exceptions import DomainError
from oms.models import SavedView

MAX_VIEWS_PER_LIST = 30


class SavedViewError(DomainError):
    """A view that cannot be saved (too many, or no name)."""

    code = CommonErrorCode.SAVED_VIEW_REFUSED


def saved_views_for(*, user: Any, list_name: str) -> list[SavedView]:
    """The user's views of one list, by name (none for an anonymous user)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedView.objects.filter(user=user, list_name=list_name).order_by("name", "pk"))


@transaction.atomic
def save_view(*, user: Any, list_name: str, name: str, query: str) -> SavedView:
    """Save ``query`` under ``name``; a view of the same name is replaced, so "save" twice updates it."""
    name = name.strip()
    if not name:
        raise SavedViewError(_("A saved view needs a name."))
    existing = SavedView.objects.select_for_update().filter(user=user, list_name=list_name, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    count = SavedView.objects.filter(user=user, list_name=list_name).count()
    if count >= MAX_VIEWS_PER_LIST:
        raise SavedViewError(
            _("You have %(count)d saved views of this list, the most there may be. Delete one first.")
            % {"count": count}
        )
    return SavedView.objects.create(user=user, list_name=list_name, name=name, query=query)


@transaction.atomic
def delete_view(*, user: Any, list_name: str, pk: int) -> bool:
    """Delete one of the user's own views; False when there is none of that id (someone else's included)."""
    deleted, _rows = SavedView.objects.filter(user=user, list_name=list_name, pk=pk).delete()
    return bool(deleted)
