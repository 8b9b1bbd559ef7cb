from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = _("OMS core")

    def ready(self) -> None:
        # GDPR export and erasure (oms.privacy): what this app holds about a customer.
        from oms import privacy_records as gdpr_records

        gdpr_records.register()
        from oms import retention

        retention.register_core_rules()
        # Imported for what they register: checks the system checks, api_schema the OpenAPI
        # extensions, documents and mail the outbox handlers of customer mail and documents.
        from oms import api_schema, checks, documents, mail, navigation, roles, second_factor, seeding  # noqa: F401
        from oms.demo import seed_users

        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="oms.sync_role_permissions")
        user_logged_in.connect(second_factor.remember_enrolment, dispatch_uid="oms.second_factor_enrolment")
        roles.grant(roles.Role.ADMIN, ["oms.view_outboxmessage", "oms.change_outboxmessage"])
        roles.grant(roles.Role.ADMIN, ["oms.view_customermail", "oms.view_document"])
        roles.grant(roles.Role.SUPPORT, ["oms.view_customermail"])
        roles.grant(roles.Role.ADMIN, ["oms.view_staffsecondfactor", "oms.change_staffsecondfactor"])
        roles.grant(roles.Role.ADMIN, ["oms.view_customerdataaccess", "oms.view_privacyauditentry"])
        roles.grant(
            roles.Role.ADMIN,
            [
                "oms.view_webhooksubscription",
                "oms.add_webhooksubscription",
                "oms.change_webhooksubscription",
                "oms.delete_webhooksubscription",
                "oms.view_webhookdelivery",
                "oms.change_webhookdelivery",
                "oms.view_webhookattempt",
            ],
        )
        # Outbound webhooks: a delivery per subscription, written in the transaction of each event.
        from oms import webhooks

        webhooks.register()
        seeding.register("users", seed_users, order=0)
        navigation.register("support", _("Customer mails"), "support-mail-list", order=50)
        from oms.badges import StateGroup, register

        register(
            "mail",
            {"pending": StateGroup.WAITING, "sent": StateGroup.DONE, "failed": StateGroup.PROBLEM},
        )


class OmsAdminConfig(AdminConfig):
    default_site = "oms.admin_site.OmsAdminSite"
