"""The pages every list has: the list itself, its CSV export, its bulk actions and its saved views.

``ListDefinition.urls()`` gives their URL patterns (see the package docstring); each view checks
the list's roles and answers bad input with a message, never an error page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from oms import parsing_fields
from oms.exceptions import DomainError
from oms.htmx import INVALID_STATUS
from oms.lists.definition import ListDefinition
from oms.lists.saved_views import delete_view, save_view
from oms.roles import role_required
from oms.spreadsheets import csv_lines

# A selection larger than this is refused: one bulk request stays a few seconds of work.
MAX_BULK_ROWS = 500
# How many refused rows a result message names before it says "and N more".
NAMED_FAILURES = 5


class SaveViewForm(forms.Form):
    name = parsing_fields.TextField(label=_("Name of the view"), max_length=80)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    """The rows chosen (their ids), the action, and the list's query to return to."""

    ids = forms.Field(required=False)  # every value of the key, read in clean_ids
    action = forms.ChoiceField()
    list_query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions

    def clean_ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        ids = []
        for value in raw:
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                raise forms.ValidationError(_("“%(value)s” is not a row of this list.") % {"value": value[:40]})
            ids.append(int(value))
        if not ids:
            raise forms.ValidationError(_("Choose at least one row first."))
        if len(set(ids)) > MAX_BULK_ROWS:
            raise forms.ValidationError(
                _("At most %(max)d rows at once; %(count)d are chosen.") % {"max": MAX_BULK_ROWS, "count": len(ids)}
            )
        return sorted(set(ids))


# --- rendering ------------------------------------------------------------------------------------


def render_list(
    request: HttpRequest,
    definition: ListDefinition,
    *,
    query: QueryDict | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The list page, or for htmx aiming at the list's element only that partial."""
    state = definition.read(request, query=query)
    context = {"list": state, "form": state.form, "page": state.page, **state.extra, **(extra or {})}
    template = definition.template
    if getattr(request, "htmx", False) and request.htmx.target in (None, definition.element_id):
        template = f"{template}#{definition.element_id}"
    return render(request, template, context, status=status)


def _list_url(definition: ListDefinition, query: str = "") -> str:
    url = reverse(definition.url_name)
    return f"{url}?{query}" if query else url


def _return_query(definition: ListDefinition, raw: str) -> QueryDict:
    """The list's filters a form posted back, normalised (anything else in them is dropped)."""
    return QueryDict(definition.normalised_query(QueryDict(raw or "")))


def _back_to_list(
    request: HttpRequest, definition: ListDefinition, query: QueryDict, *, status: int = 200
) -> HttpResponse:
    """After a POST: the list with the filters it was posted from, and the messages. Refused input
    answers 422 with the list (htmx swaps it, base.html); a done job redirects a plain post."""
    if getattr(request, "htmx", False) or status >= 400:
        return render_list(request, definition, query=query, status=status)
    return redirect(_list_url(definition, query.urlencode()))


# --- the views ------------------------------------------------------------------------------------


def export_view(definition: ListDefinition) -> Callable[..., HttpResponse]:
    @role_required(*definition.roles)
    @require_GET
    def export(request: HttpRequest) -> HttpResponse:
        """Every row the list's filters match, in its sort, as CSV for German Excel (streamed)."""
        _form, filters, sort, problems = definition.parse(request.GET)
        if problems:
            # Exporting something other than what the user sees would be worse than nothing.
            for problem in problems:
                messages.error(request, problem)
            messages.error(request, _("Nothing was exported; correct the filters and export again."))
            return redirect(_list_url(definition, definition.normalised_query(request.GET)))
        rows = definition.rows_for_export(filters, sort)
        header = [column.header for column in definition.csv_columns]

        def lines() -> Any:
            for row in rows.iterator(chunk_size=2000):
                yield [column.value(row) for column in definition.csv_columns]

        response = StreamingHttpResponse(csv_lines(header, lines()), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="{definition.csv_name}-{stamp}.csv"'
        return response

    return export


def bulk_view(definition: ListDefinition) -> Callable[..., HttpResponse]:
    actions = [(a.key, a.label) for a in definition.bulk_actions.values()]

    @role_required(*definition.roles)
    @require_POST
    def bulk(request: HttpRequest) -> HttpResponse:
        """Run one action on the chosen rows: each row its own service call (one transaction per
        business operation); a refused row changes nothing and is named in the result."""
        form = BulkForm(request.POST, actions=actions)
        valid = form.is_valid()
        back = _return_query(definition, form.cleaned_data.get("list_query", ""))
        if not valid:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return _back_to_list(request, definition, back, status=INVALID_STATUS)
        action = definition.bulk_actions[form.cleaned_data["action"]]
        action_form = action.form(request.POST) if action.form else None
        if action_form is not None and not action_form.is_valid():
            for name, errors in action_form.errors.items():
                label = action_form.fields[name].label if name in action_form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return _back_to_list(request, definition, back, status=INVALID_STATUS)
        rows = definition.rows_for_ids(form.cleaned_data["ids"])
        if action.page is not None:
            return action.page(request, rows)
        data = action_form.cleaned_data if action_form is not None else {}
        _run(request, definition, action, rows, data)
        return _back_to_list(request, definition, back)

    return bulk


def _run(request: HttpRequest, definition: ListDefinition, action: Any, rows: QuerySet, data: dict[str, Any]) -> None:
    done = 0
    refused: list[str] = []
    chosen = len(rows)
    for row in rows:
        try:
            action.run(row, user=request.user, data=data)
        except DomainError as exc:
            refused.append(f"{definition.row_label(row)}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, str(action.done) % {"count": done})
    if refused:
        shown = "; ".join(refused[:NAMED_FAILURES])
        more = len(refused) - NAMED_FAILURES
        text = ngettext(
            "%(count)d row was not changed: %(rows)s", "%(count)d rows were not changed: %(rows)s", len(refused)
        )
        message = text % {"count": len(refused), "rows": shown}
        if more > 0:
            message += " " + _("(and %(more)d more)") % {"more": more}
        messages.error(request, message)
    if not chosen:
        messages.error(request, _("None of the chosen rows exists any more."))


def save_view_view(definition: ListDefinition) -> Callable[..., HttpResponse]:
    @role_required(*definition.roles)
    @require_POST
    def save(request: HttpRequest) -> HttpResponse:
        """Save the list's current filters and sort under a name, for this user."""
        form = SaveViewForm(request.POST)
        back = _return_query(definition, form.cleaned_data.get("query", "") if form.is_valid() else "")
        if not form.is_valid():
            for name, errors in form.errors.items():
                for error in errors:
                    messages.error(request, f"{form.fields[name].label}: {error}" if name == "name" else error)
            return _back_to_list(request, definition, back, status=INVALID_STATUS)
        try:
            view = save_view(
                user=request.user, list_name=definition.name, name=form.cleaned_data["name"], query=back.urlencode()
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return _back_to_list(request, definition, back, status=INVALID_STATUS)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return _back_to_list(request, definition, back)

    return save


def delete_view_view(definition: ListDefinition) -> Callable[..., HttpResponse]:
    @role_required(*definition.roles)
    @require_POST
    def delete(request: HttpRequest, pk: int) -> HttpResponse:
        if not delete_view(user=request.user, list_name=definition.name, pk=pk):
            messages.error(request, _("There is no such saved view."))
            return _back_to_list(request, definition, QueryDict(), status=404)
        messages.success(request, _("The saved view is deleted."))
        return _back_to_list(request, definition, QueryDict())

    return delete


def list_urls(definition: ListDefinition, route: str) -> list[URLPattern]:
    """The list's own pages under ``route`` (``support/orders/``), named after the definition's
    ``url_base`` (``support-order-export`` ...). Put them before a ``<route><str:...>/`` pattern,
    which would take ``export`` for an id."""
    name = definition.url_base.rsplit(":", 1)[-1]
    patterns = [
        path(f"{route}export/", export_view(definition), name=f"{name}-export"),
        path(f"{route}views/", save_view_view(definition), name=f"{name}-view-save"),
        path(f"{route}views/<int:pk>/delete/", delete_view_view(definition), name=f"{name}-view-delete"),
    ]
    if definition.bulk_actions:
        patterns.append(path(f"{route}bulk/", bulk_view(definition), name=f"{name}-bulk"))
    return patterns
