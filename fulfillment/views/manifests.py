"""The warehouse's end-of-day handover: close a carrier's manifest, print its PDF, download its CSV."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fulfillment.manifest_selectors import manifest_csv, manifest_filename, manifests
from fulfillment.models import Carrier, Manifest
from fulfillment.services.manifests import close_manifest
from inventory.models import Warehouse
from oms.htmx import run_service_and_answer
from oms.roles import Role, role_required

TEMPLATE = "fulfillment/manifest_list.html"
SHOWN = 60


class CloseManifestForm(forms.Form):
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=Carrier.objects.filter(active=True))
    warehouse = forms.ModelChoiceField(label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.filter(active=True))


def _context(form: CloseManifestForm) -> dict[str, object]:
    return {"form": form, "manifests": list(manifests()[:SHOWN]), "today": timezone.localdate()}


@role_required(Role.WAREHOUSE)
@require_GET
def manifest_list(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(CloseManifestForm()))


@role_required(Role.WAREHOUSE)
@require_POST
def manifest_close(request: HttpRequest) -> HttpResponse:
    """Close today's manifest of a carrier at a warehouse (again: adds what shipped since)."""
    form = CloseManifestForm(request.POST)
    return run_service_and_answer(
        request,
        lambda: close_manifest(
            carrier=form.cleaned_data["carrier"],
            warehouse=form.cleaned_data["warehouse"],
            business_date=timezone.localdate(),
            user=request.user,
        ),
        form=form,
        answer=lambda status: render(request, TEMPLATE, _context(form), status=status),
        done=lambda manifest: redirect("fulfillment:warehouse-manifests"),
        success=lambda manifest: _("Manifest for %(carrier)s closed.") % {"carrier": manifest.carrier.name},
        invalid=_("Choose a carrier and a warehouse."),
    )


@role_required(Role.WAREHOUSE, Role.MANAGER)
@require_GET
def manifest_csv_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    manifest = get_object_or_404(Manifest.objects.select_related("carrier", "warehouse"), pk=pk)
    response = StreamingHttpResponse(manifest_csv(manifest), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{manifest_filename(manifest, "csv")}"'
    return response
