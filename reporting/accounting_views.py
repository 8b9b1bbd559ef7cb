"""Managers' accounting export (``/reports/accounting/``): a period, then its DATEV booking batch
(``billing.datev``) or its OSS totals per destination country as CSV for German Excel.

Without a period the download URLs show the form; a bad period (missing or impossible day, end
before start, across the start of the fiscal year) or missing accounts in the settings show it
again with the reason (400), nothing downloaded.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from billing.accounting import oss_totals
from billing.datev import DatevExportError, datev_batch
from billing.datev import filename as datev_filename
from oms.roles import Role, role_required
from oms.spreadsheets import csv_lines, decimal_comma
from reporting.forms import AccountingPeriodForm

TEMPLATE = "reporting/accounting.html"


def _last_month(today: datetime.date) -> dict[str, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return {"from": end.replace(day=1), "to": end}


def _page(request: HttpRequest, form: AccountingPeriodForm, status: int = 200) -> HttpResponse:
    return render(request, TEMPLATE, {"form": form}, status=status)


def _period(request: HttpRequest) -> tuple[AccountingPeriodForm, HttpResponse | None]:
    """The bound form, or the page to answer instead (no period asked for yet, or a bad one)."""
    if "from" not in request.GET and "to" not in request.GET:
        return AccountingPeriodForm(initial=_last_month(timezone.localdate())), None
    form = AccountingPeriodForm(request.GET)
    if not form.is_valid():
        return form, _page(request, form, status=400)
    return form, None


def _attachment(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.MANAGER)
@require_GET
def accounting(request: HttpRequest) -> HttpResponse:
    form, refused = _period(request)
    return refused or _page(request, form)


@role_required(Role.MANAGER)
@require_GET
def accounting_datev(request: HttpRequest) -> HttpResponse:
    """The period's invoices, credit notes and payments as a DATEV booking batch (EXTF)."""
    form, refused = _period(request)
    if refused is not None:
        return refused
    if not form.is_bound:
        return _page(request, form)
    start, end = form.cleaned_data["from"], form.cleaned_data["to"]
    try:
        content = datev_batch(
            date_from=start,
            date_to=end,
            created_at=timezone.localtime(),
            exported_by=request.user.get_username(),
        )
    except DatevExportError as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=400)
    return _attachment(content, content_type="text/csv; charset=windows-1252", name=datev_filename(start, end))


def oss_rows(start: datetime.date, end: datetime.date) -> list[list[Any]]:
    return [
        [row.country, decimal_comma(row.vat_rate), decimal_comma(row.net), decimal_comma(row.vat)]
        for row in oss_totals(start, end)
    ]


@role_required(Role.MANAGER)
@require_GET
def accounting_oss(request: HttpRequest) -> HttpResponse:
    """Net and VAT of OSS sales per destination country and rate in the period (CSV, German Excel)."""
    form, refused = _period(request)
    if refused is not None:
        return refused
    if not form.is_bound:
        return _page(request, form)
    start, end = form.cleaned_data["from"], form.cleaned_data["to"]
    header = [_("Country"), _("VAT rate (%)"), _("Net"), _("VAT")]
    content = "".join(csv_lines(header, oss_rows(start, end))).encode("utf-8")
    return _attachment(content, content_type="text/csv; charset=utf-8", name=f"oss-{start:%Y%m%d}_{end:%Y%m%d}.csv")
