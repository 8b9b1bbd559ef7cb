"""Support pages for customer mail: the list (failing mails first to hand), one mail as it went
out, sending it again, and a preview of every kind of mail with a sample order."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from oms import mail
from oms.access_log import record_customer_access
from oms.models import CustomerMail, MailStatus
from oms.roles import Role, role_required

LIST_LIMIT = 200
FAILING = "failing"


@role_required(Role.SUPPORT)
@require_GET
def mail_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mails = CustomerMail.objects.all()
    if status == FAILING:
        mails = mails.filter(Q(status=MailStatus.FAILED) | Q(status=MailStatus.PENDING, attempts__gt=0))
    elif status in MailStatus.values:
        mails = mails.filter(status=status)
    else:
        status = ""
    statuses = [(FAILING, _("Failing (retrying or failed)")), *MailStatus.choices]
    rows = list(mails[:LIST_LIMIT])
    for row in rows:
        row.kind_label = mail.kind_label(row.kind)
    return render(
        request,
        "oms/mail_list.html",
        {"mails": rows, "status": status, "statuses": statuses, "limit": LIST_LIMIT},
    )


@role_required(Role.SUPPORT)
@require_GET
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer_mail = get_object_or_404(CustomerMail, pk=pk)
    subject_type = mail.subject_type(customer_mail.subject_type)
    _record_access(request, customer_mail, subject_type)
    return render(
        request,
        "oms/mail_detail.html",
        {
            "mail": customer_mail,
            "kind_label": mail.kind_label(customer_mail.kind),
            "subject_url": subject_type.staff_url(customer_mail.subject_id),
            "may_resend": customer_mail.status != MailStatus.PENDING,
        },
    )


@role_required(Role.SUPPORT)
@require_GET
@xframe_options_sameorigin
def mail_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part as it went out, for the frame on the mail's page."""
    customer_mail = get_object_or_404(CustomerMail, pk=pk, status=MailStatus.SENT)
    _record_access(request, customer_mail, mail.subject_type(customer_mail.subject_type))
    return _mail_frame(customer_mail.body_html)


def _record_access(request: HttpRequest, customer_mail: CustomerMail, subject_type: mail.SubjectType) -> None:
    """A mail holds its recipient's address and the order's content: the access log records who read it."""
    record_customer_access(
        request,
        subject_type="mail",
        subject_id=customer_mail.pk,
        customer_id=subject_type.customer_of(customer_mail.subject_id),
    )


@role_required(Role.SUPPORT)
@require_POST
def mail_resend(request: HttpRequest, pk: int) -> HttpResponse:
    customer_mail = get_object_or_404(CustomerMail, pk=pk)
    try:
        again = mail.resend_mail(customer_mail, requested_by=f"user:{request.user.get_username()}")
    except mail.MailError as exc:
        messages.error(request, exc.message)
        return redirect("support-mail-detail", pk=customer_mail.pk)
    messages.success(request, _("The mail is on its way again."))
    return redirect("support-mail-detail", pk=again.pk)


def _preview_choice(request: HttpRequest) -> tuple[str, str]:
    codes = [k.code for k in mail.kinds()]
    kind = request.GET.get("kind") or (codes[0] if codes else "")
    if kind not in codes:
        raise Http404
    languages = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("language") or (get_language() or settings.LANGUAGE_CODE)[:2]
    return kind, language if language in languages else settings.LANGUAGE_CODE


@role_required(Role.SUPPORT)
@require_GET
def mail_preview(request: HttpRequest) -> HttpResponse:
    """Any kind of mail in either language, rendered for the newest order (nothing is sent)."""
    kind, language = _preview_choice(request)
    return render(
        request,
        "oms/mail_preview.html",
        {
            "kinds": mail.kinds(),
            "kind": kind,
            "languages": settings.LANGUAGES,
            "language": language,
            "preview": mail.preview_mail(kind, language=language),
        },
    )


@role_required(Role.SUPPORT)
@require_GET
@xframe_options_sameorigin
def mail_preview_html(request: HttpRequest) -> HttpResponse:
    kind, language = _preview_choice(request)
    preview = mail.preview_mail(kind, language=language)
    if preview is None:
        return _mail_frame(f"<p>{escape(_('There is no order to preview the mail with yet.'))}</p>")
    return _mail_frame(preview.html)


def _mail_frame(html: str) -> HttpResponse:
    response = HttpResponse(html)
    # Shown in a frame of our own pages only. A mail's styles are inline (mail clients drop style
    # sheets), which the site's policy forbids; here they may apply, in a sandbox where nothing
    # else runs: no script, no form, no plugin, nothing loaded but our own images.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"
    )
    return response
