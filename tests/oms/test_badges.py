"""State badges: every state of every lifecycle has a group, groups have one colour each, and the
German labels a reader tells apart at a glance differ by more than a letter or two."""

from __future__ import annotations

import itertools

import pytest
from django.template import Context, Template
from django.utils import translation

from fulfillment.models import ShipmentState
from oms import badges
from oms.badges import GROUP_CLASSES, StateGroup
from orders.models import CaseState, OrderState, PaymentState


@pytest.mark.parametrize(
    ("kind", "choices"),
    [("order", OrderState), ("payment", PaymentState), ("case", CaseState), ("shipment", ShipmentState)],
)
def test_every_state_belongs_to_a_group(kind, choices):
    missing = [state for state in choices.values if badges.group_of(kind, state) is None]
    assert missing == []


def test_each_group_has_its_own_colour():
    assert sorted(GROUP_CLASSES) == sorted(StateGroup)
    assert len(set(GROUP_CLASSES.values())) == len(GROUP_CLASSES)


def test_allocated_and_delivered_look_different_in_colour_and_in_german():
    assert badges.group_of("order", "allocated") != badges.group_of("order", "delivered")
    with translation.override("de"):
        assert str(OrderState.ALLOCATED.label) == "Reserviert"
        assert str(OrderState.DELIVERED.label) == "Zugestellt"


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@pytest.mark.parametrize("choices", [OrderState, ShipmentState], ids=lambda c: c.__name__)
@pytest.mark.parametrize("language", ["de", "en"])
def test_no_two_order_or_shipment_states_differ_by_only_a_letter_or_two(choices, language):
    with translation.override(language):
        labels = [str(label) for label in choices.labels]
    close = [(a, b) for a, b in itertools.combinations(labels, 2) if _distance(a.lower(), b.lower()) <= 2]
    assert close == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_payment_states_that_read_alike_have_different_colours(language):
    # "Bezahlt" and "Unbezahlt" are two letters apart: the colour tells them apart at a glance.
    with translation.override(language):
        states = [(state, str(label)) for state, label in PaymentState.choices]
    close = [
        (a, b)
        for (state_a, a), (state_b, b) in itertools.combinations(states, 2)
        if _distance(a.lower(), b.lower()) <= 3
        and badges.group_of("payment", state_a) == badges.group_of("payment", state_b)
    ]
    assert close == []


def test_the_badge_tag_colours_by_group_and_falls_back_to_a_plain_badge():
    html = Template(
        '{% load oms order_states %}{% badge "shipment" "exception" "Problem" %}|{% payment_badge "paid" "Paid" %}'
        '|{% state_badge "allocated" "Allocated" %}|{% state_badge "open" "Open" %}|{% badge "shipment" "new" %}'
    ).render(Context())
    exception, paid, allocated, case, unknown = html.split("|")
    assert 'class="badge badge-bad"' in exception and 'data-group="problem"' in exception
    assert 'class="badge badge-ok"' in paid
    assert 'class="badge badge-info"' in allocated
    assert 'data-group="waiting"' in case
    assert unknown == '<span class="badge " data-state="new" data-group="">new</span>'
