from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    """Customers, channels, orders and their lifecycle, intake, routing, the support desk."""

    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # GDPR export and erasure (oms.privacy): what this app holds about a customer.
        from orders import privacy as gdpr_records

        gdpr_records.register()
        from orders import privacy_documents

        privacy_documents.register()
        # Imported here: services and roles need the app registry.
        from oms import events, seeding
        from oms.roles import Role, grant
        from orders import checks, mails, subscribers  # noqa: F401  (checks registers the system checks)
        from orders.seed import seed_orders

        # Domain (orders.services): backorders allocate themselves when stock arrives or another
        # order gives its units back; a captured payment confirms a pending order.
        events.subscribe("stock.received", subscribers.allocate_backorders_on_receipt)
        events.subscribe("order.cancelled", subscribers.allocate_backorders_on_release)
        events.subscribe("order.lines_cancelled", subscribers.allocate_backorders_on_release)
        events.subscribe("order.edited", subscribers.allocate_backorders_on_edit)
        events.subscribe("payment.captured", subscribers.confirm_on_payment)
        # Customer mails and documents (oms.mail, oms.documents): the order confirmation, legal texts.
        mails.register()
        # Notifications, written in the transaction of the change they tell of.
        from orders.services import notifications

        events.subscribe_in_transaction("order.payment_recorded", notifications.on_payment_recorded)
        events.subscribe_in_transaction("order.payment_refunded", notifications.on_payment_refunded)
        events.subscribe_in_transaction("order.delivered", notifications.on_order_delivered)
        # Shop sync (orders.services.shop_sync): pushes back to the shops through the outbox; a
        # cancellation in its transaction, stock marked after commit (the hourly full sync is the net).
        from orders.services import shop_sync

        shop_sync.register()
        events.subscribe_in_transaction("order.cancelled", shop_sync.on_order_cancelled)
        events.subscribe("stock.changed", shop_sync.mark_stock_changed)
        # After inventory's demand history (30): the open orders record today's demand, and the demand
        # seeder only writes its two years of history into an empty table.
        seeding.register("orders", seed_orders, order=40)
        view = [
            f"orders.view_{m}"
            for m in (
                "customer",
                "channel",
                "order",
                "orderline",
                "allocation",
                "orderevent",
                "note",
                "tag",
                "paymenttransaction",
                "supportcase",
                "casemessage",
                "legaltext",
                "orderrating",
                "shopconnection",
                "shopsyncrun",
                "shoporderfailure",
            )
        ]
        grant(Role.SUPPORT, view)
        # GDPR export and erasure of a customer (the pages also need a verified second factor).
        gdpr = ["orders.export_personal_data", "orders.erase_personal_data"]
        grant(Role.SUPPORT, gdpr)
        grant(Role.ADMIN, gdpr)
        grant(Role.MANAGER, view)
        grant(Role.WAREHOUSE, ["orders.view_order", "orders.view_orderline", "orders.view_allocation"])
        grant(
            Role.ADMIN,
            view
            + [
                f"orders.{a}_{m}"
                for m in ("customer", "channel", "tag", "legaltext", "shopconnection")
                for a in ("add", "change", "delete")
            ],
        )

        # State badges (oms.badges): the colour of each order, payment and case state.
        from orders import states

        states.register()

        # Support desk (area "support"): menu entries and the search panel on /support/.
        from oms import navigation, panels
        from orders.panels import order_mails, product_reservations, support_home

        navigation.register("support", _("Orders"), "orders:support-order-list", order=10)
        navigation.register("support", _("Cases"), "orders:support-case-list", order=20)
        navigation.register("support", _("Phone order"), "orders:support-phone-order", order=30)
        navigation.register("support", _("Import orders"), "orders:support-order-import", order=40)
        panels.register(
            "support-home",
            name="order-search",
            template="orders/partials/support_home_panel.html",
            context=support_home,
            order=10,
        )
        panels.register(
            "order-detail", name="customer-mails", template="orders/panels/order_mails.html", context=order_mails
        )
        # The product stock page (inventory) names the orders behind its reserved units.
        panels.register(
            "product-stock",
            name="reservations",
            template="orders/panels/product_reservations.html",
            context=product_reservations,
            order=10,
        )
