"""oms.htmx.run_service_and_answer: which answer and which status each outcome of an action gets."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from oms.exceptions import DomainError, IllegalTransitionError
from oms.htmx import run_service_and_answer


class ReasonForm(forms.Form):
    reason = forms.CharField()


def request(*, htmx: bool):
    req = RequestFactory().post("/x/", HTTP_HX_REQUEST="true" if htmx else None)
    if not htmx:
        req.META.pop("HTTP_HX_REQUEST", None)
    req.htmx = HtmxDetails(req)
    req._messages = CookieStorage(req)
    return req


def run(req, service, **kwargs):
    calls: list[str] = []
    response = run_service_and_answer(
        req,
        service,
        answer=lambda status: calls.append(f"answer {status}") or HttpResponse(status=status),
        done=lambda result: calls.append(f"done {result}") or HttpResponse("done"),
        **kwargs,
    )
    return response, calls, [str(m) for m in get_messages(req)]


ILLEGAL = IllegalTransitionError(obj="order 1", action="cancel", state="shipped")


def refuse_illegally():
    raise ILLEGAL


def test_success_runs_the_service_once_says_so_and_answers_done():
    ran = []
    response, calls, said = run(request(htmx=True), lambda: ran.append(1) or "ok", success=lambda r: f"it is {r}")
    assert (response.status_code, calls, said, ran) == (200, ["done ok"], ["it is ok"], [1])


def test_invalid_input_answers_422_and_never_runs_the_service():
    ran = []
    form = ReasonForm({"reason": ""})
    response, calls, said = run(request(htmx=False), lambda: ran.append(1), form=form, invalid="Please correct")
    assert (response.status_code, calls, said, ran) == (422, ["answer 422"], ["Please correct"], [])


def test_a_refusal_answers_422_to_htmx_and_its_own_status_to_a_plain_post():
    for htmx, status in ((True, 422), (False, 409)):
        response, calls, said = run(request(htmx=htmx), refuse_illegally, success="never shown")
        assert response.status_code == status
        assert calls == [f"answer {status}"]
        assert said == [ILLEGAL.message]


def test_a_refusal_shown_in_the_form_answers_like_invalid_input():
    form = ReasonForm({"reason": "damaged"})

    def refuse():
        raise DomainError("Not enough stock.", code="insufficient_stock")

    response, _calls, said = run(
        request(htmx=False),
        refuse,
        form=form,
        show_refusal=lambda exc: form.add_error(None, exc.message),
        refusal_in_form=True,
    )
    assert (response.status_code, said) == (422, [])
    assert form.non_field_errors() == ["Not enough stock."]
