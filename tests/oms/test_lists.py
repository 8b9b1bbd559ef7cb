"""oms.lists on its own, over a model of oms (saved views as rows): parsing, sort, keyset, date
ranges in Berlin, the capped count, and the services of saved views."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import translation

from oms.lists import Column, DateRange, ListDefinition
from oms.lists import definition as lists_definition
from oms.lists.saved_views import MAX_VIEWS_PER_LIST, SavedViewError, save_view
from oms.models import SavedView

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


class NameForm(forms.Form):
    q = forms.CharField(required=False, max_length=20)


def _rows(*, q: str):
    qs = SavedView.objects.all()
    return qs.filter(name__icontains=q) if q else qs


LIST = ListDefinition(
    name="test",
    element_id="test-table",
    template="unused.html",
    url_name="home",
    url_base="unused",
    roles=(),
    columns=[Column("name", "Name", sort="name"), Column("created", "Created", sort="created_at", numeric=True)],
    default_sort="name",
    source=_rows,
    filter_form=NameForm,
    date_ranges=[DateRange("created", "created_at", "Created")],
    page_size=2,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def rows(admin_user):
    made = []
    for day, name in [(1, "b"), (2, "a"), (3, "c"), (4, "d")]:
        at = datetime.datetime(2026, 11, day, 0, 30, tzinfo=BERLIN)  # 23:30 UTC the day before
        made.append(SavedView.objects.create(user=admin_user, list_name="x", name=name, created_at=at))
    return made


def _read(admin_user, query: str):
    request = RequestFactory().get("/")
    request.user = admin_user
    return LIST.read(request, query=QueryDict(query))


def test_an_unknown_sort_is_named_and_the_default_used(admin_user, rows):
    state = _read(admin_user, "sort=secret")
    assert [r.name for r in state.rows] == ["a", "b"]
    assert "cannot be sorted" in state.problems[0]


def test_keyset_pages_follow_the_sort_column_and_the_pk(admin_user, rows):
    state = _read(admin_user, "sort=-created")
    names = [r.name for r in state.rows]
    state = _read(admin_user, state.page.next_query)
    assert names + [r.name for r in state.rows] == ["d", "c", "a", "b"]
    assert not state.page.has_next


def test_a_date_range_means_days_in_berlin_and_a_bad_date_is_ignored(admin_user, rows):
    state = _read(admin_user, "created_from=2026-11-02&created_to=2026-11-03")
    assert sorted(r.name for r in state.rows) == ["a", "c"] and state.count == 2
    state = _read(admin_user, "created_from=2026-13-01")
    assert state.count == 4 and "ignored" in state.problems[0]


def test_the_count_stops_at_the_limit(admin_user, rows, monkeypatch):
    monkeypatch.setattr(lists_definition, "COUNT_LIMIT", 3)
    state = _read(admin_user, "")
    assert state.count_capped and "more than 3" in state.count_text


def test_the_query_string_keeps_only_what_the_list_reads(admin_user, rows):
    assert LIST.normalised_query(QueryDict("q=b&evil=1&sort=name&after=xyz")) == "q=b"


def test_saving_a_view_twice_replaces_it_and_the_number_of_views_is_bounded(admin_user):
    save_view(user=admin_user, list_name="orders", name="Mine", query="q=1")
    save_view(user=admin_user, list_name="orders", name="Mine", query="q=2")
    assert SavedView.objects.get().query == "q=2"
    for i in range(MAX_VIEWS_PER_LIST - 1):
        save_view(user=admin_user, list_name="orders", name=f"v{i}", query="")
    with pytest.raises(SavedViewError):
        save_view(user=admin_user, list_name="orders", name="one too many", query="")
    assert SavedView.objects.count() == MAX_VIEWS_PER_LIST
