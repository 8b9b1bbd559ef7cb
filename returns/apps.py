from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    """Return requests, inspection, restock, refunds and exchanges."""

    name = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        # GDPR export and erasure (oms.privacy): what this app holds about a customer.
        from returns import privacy as gdpr_records

        gdpr_records.register()
        # Imported here: services need the app registry.
        from oms import events, navigation, panels
        from returns import customer_panels, mails, states
        from returns.panels import order_claims, order_returns
        from returns.services.resolution import on_return_credited
        from returns.warehouse_panels import warehouse_returns

        # The warehouse home shows the expected returns beside fulfillment's board.
        panels.register(
            "warehouse-home",
            name="returns",
            template="returns/warehouse/panel.html",
            context=warehouse_returns,
            order=6,
        )
        navigation.register("warehouse", _("Returns"), "returns:warehouse-returns", order=65)

        # Billing credited and refunded what the warehouse accepted: the return is refunded
        # (the sweep in returns.tasks resolves any return whose event was lost).
        events.subscribe("return.credited", on_return_credited)
        # Customer mails (oms.mail); the return approved and received are written in the
        # transaction that approves or receives the return.
        mails.register()
        from returns.services import notifications

        events.subscribe_in_transaction("return.approved", notifications.on_return_approved)
        events.subscribe_in_transaction("return.received", notifications.on_return_received)
        # Fulfillment booked the return label: its number on the request, the mail with the label.
        events.subscribe_in_transaction("return_label.booked", notifications.on_return_label_booked)
        customer_panels.register()  # the portal's withdrawal function (oms.panels customer slot)
        # State badges (oms.badges): the colour of each return request state.
        states.register()
        # Demo data (manage.py seed_demo): return requests in every state.
        from oms import seeding
        from returns.seed import seed_returns

        seeding.register("returns", seed_returns, order=70)
        # The benchmark data set's return requests, credit notes and refunds (manage.py generate_load).
        from returns import load

        load.register()
        # The order page's RMA panel (returns, their lines and decisions, the form for a new one),
        # after the shipments.
        panels.register(
            "order-detail",
            name="returns",
            template="returns/panels/order_returns.html",
            context=order_returns,
            order=40,
        )
        # Claims without a return (lost, damaged in transit, an item missing), after the returns.
        panels.register(
            "order-detail",
            name="claims",
            template="returns/panels/order_claims.html",
            context=order_claims,
            order=41,
        )
        navigation.register("support", _("Claims"), "returns:support-claim-list", order=46)
        # Support's returns queue: waiting for approval, refunds about to be late.
        navigation.register("support", _("Returns"), "returns:support-return-list", order=45)
