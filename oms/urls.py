"""URL map. Staff areas: /warehouse/, /support/, /reports/, /admin/; API: /api/v1/; portal: /track/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from oms import document_views, mail_views, second_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/two-factor/", second_factor_views.overview, name="second-factor"),
    path("accounts/two-factor/setup/", second_factor_views.setup, name="second-factor-setup"),
    path("accounts/two-factor/verify/", second_factor_views.verify, name="second-factor-verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        second_factor_views.recovery_codes,
        name="second-factor-recovery-codes",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("warehouse/", views.warehouse_home, name="warehouse-home"),
    path("support/", views.support_home, name="support-home"),
    path("support/mails/", mail_views.mail_list, name="support-mail-list"),
    path("support/mails/preview/", mail_views.mail_preview, name="support-mail-preview"),
    path("support/mails/preview/html/", mail_views.mail_preview_html, name="support-mail-preview-html"),
    path("support/mails/<int:pk>/", mail_views.mail_detail, name="support-mail-detail"),
    path("support/mails/<int:pk>/html/", mail_views.mail_html, name="support-mail-html"),
    path("support/mails/<int:pk>/resend/", mail_views.mail_resend, name="support-mail-resend"),
    path("reports/", views.reports_home, name="reports-home"),
    path("documents/<int:pk>/", document_views.document_file, name="document-file"),
    path("admin/", admin.site.urls),
    # App URLs are included by dotted name: the root URLconf is the one place that names every app.
    path("", include("inventory.urls")),
    path("", include("orders.urls")),
    path("", include("fulfillment.urls")),
    path("", include("billing.urls")),
    path("", include("returns.urls")),
    path("", include("reporting.urls")),
    path("api/v1/", include("inventory.api.urls")),
    path("api/v1/", include("orders.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("csp-report/", views.csp_report, name="csp-report"),
]

handler404 = "oms.views.page_not_found"
handler500 = "oms.views.server_error"
