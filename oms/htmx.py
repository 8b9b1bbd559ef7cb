"""How a page action answers: run one service, and answer with what changed or with why nothing did.

Every state-changing POST of the back office has the same shape (STYLE.md, "Pages, HTMX and
partials"): the input is parsed by a form; one service runs in its own transaction; a
``DomainError`` means the service refused and saved nothing. ``run_service_and_answer`` is that
shape once:

- invalid input: the ``invalid`` message, then ``answer(422)`` (the form partial with its errors);
- a refusal: its message (a flash message, or what ``show_refusal`` does with it, such as adding it
  to the form's fields), then ``answer(status)``: 422 for htmx (the status ``base.html`` lets htmx
  swap) and for a refusal shown in the form (``refusal_in_form``); a plain form post otherwise
  gets the error's own status (409 for an illegal transition);
- success: the ``success`` message, then ``done(result)`` (the updated partial for htmx, a redirect
  without it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from oms.exceptions import DomainError

T = TypeVar("T")

INVALID_STATUS = 422


def run_service_and_answer(
    request: HttpRequest,
    service: Callable[[], T],
    *,
    answer: Callable[[int], HttpResponse],
    done: Callable[[T], HttpResponse],
    form: forms.BaseForm | None = None,
    success: str | Callable[[T], str] = "",
    invalid: str = "",
    show_refusal: Callable[[DomainError], Any] | None = None,
    refusal_in_form: bool = False,
) -> HttpResponse:
    """Validate ``form`` (when given), run ``service`` and answer (see the module docstring).

    ``service`` takes no arguments (close over the form's cleaned data); ``answer(status)``
    renders the refused or invalid state, ``done(result)`` the changed one."""
    if form is not None and not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        return answer(INVALID_STATUS)
    try:
        result = service()
    except DomainError as exc:
        if show_refusal is not None:
            show_refusal(exc)
        else:
            messages.error(request, exc.message)
        plain_post = not getattr(request, "htmx", False)
        return answer(exc.http_status if plain_post and not refusal_in_form else INVALID_STATUS)
    message = success(result) if callable(success) else success
    if message:
        messages.success(request, message)
    return done(result)
