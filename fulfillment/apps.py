from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FulfillmentConfig(AppConfig):
    """Pick lists, packing, shipments, carriers, labels and tracking."""

    name = "fulfillment"
    verbose_name = _("Fulfilment")

    def ready(self) -> None:
        # GDPR export and erasure (oms.privacy): what this app holds about a customer.
        from fulfillment import privacy as gdpr_records

        gdpr_records.register()
        # Imported here: services need the app registry.
        from fulfillment import customer_panels, documents, load, states
        from fulfillment.api.serializers import ShipmentOutputSerializer
        from fulfillment.api.serializers import order_shipments as order_shipments_json
        from fulfillment.carriers.catalogue import seed_carriers
        from fulfillment.panels import order_shipments, warehouse_board
        from fulfillment.seed import seed_fulfillment
        from fulfillment.services import labels, return_labels  # noqa: F401  (outbox handlers "label", "return-label")
        from oms import api_extras, navigation, panels, seeding

        # State badges (oms.badges): the colour of each shipment state.
        states.register()
        # Shipping labels, delivery notes and handover manifests (oms.documents).
        documents.register()
        # Carriers before any demo shipment (orders seed at 40).
        seeding.register("carriers", seed_carriers, order=45)
        # Orders in every stage of the warehouse and the carriers, through the services.
        seeding.register("fulfillment", seed_fulfillment, order=50)
        # The benchmark data set's shipments for the loaded order history (generate_load).
        load.register()
        # The order page's shipments panel (state, carrier, tracking, expected delivery, delays),
        # after the order's own panels.
        panels.register(
            "order-detail",
            name="shipments",
            template="fulfillment/panels/order_shipments.html",
            context=order_shipments,
            order=30,
        )
        # The warehouse home's board of shipments to pick, pack and ship, above the deliveries due.
        panels.register(
            "warehouse-home",
            name="board",
            template="fulfillment/panels/warehouse_board.html",
            context=warehouse_board,
            order=5,
        )
        # The order API's detail answer carries the order's shipments (oms.api_extras).
        api_extras.register(
            "order-detail",
            name="shipments",
            field=ShipmentOutputSerializer(many=True, read_only=True),
            data=order_shipments_json,
        )
        navigation.register("support", _("Tracking"), "fulfillment:support-tracking", order=50)
        navigation.register("warehouse", _("Waves"), "fulfillment:warehouse-waves", order=50)
        navigation.register("warehouse", _("Packing"), "fulfillment:warehouse-pack", order=60)
        navigation.register(
            "warehouse", pgettext_lazy("warehouse screen", "Shipping"), "fulfillment:warehouse-ship", order=70
        )
        navigation.register("warehouse", _("Manifests"), "fulfillment:warehouse-manifests", order=80)

        from fulfillment import mails, subscribers
        from oms import events, roles

        # Carriers are master data the admins keep (pickup times, tracking formats).
        roles.grant(
            roles.Role.ADMIN,
            [f"fulfillment.{verb}_{model}" for verb in ("view", "change") for model in ("carrier", "carrierservice")],
        )

        # Orders never calls fulfillment: a cancellation voids the open picks, a hold on an order
        # in the warehouse holds its shipments, releasing it puts them back into the queue.
        events.subscribe("order.cancelled", subscribers.void_picks_on_cancel)
        events.subscribe("order.held", subscribers.hold_shipments_on_hold)
        events.subscribe("order.unheld", subscribers.requeue_shipments_on_unhold)
        # Customer mail (oms.mail): the shipping confirmation, out for delivery, delays and problems,
        # the news written in the transaction that records it.
        mails.register()
        from fulfillment.services import notifications

        events.subscribe_in_transaction("shipment.out_for_delivery", notifications.on_out_for_delivery)
        events.subscribe_in_transaction("shipment.exception_reported", notifications.on_exception_reported)
        events.subscribe_in_transaction("shipment.returned_to_sender", notifications.on_returned_to_sender)
        customer_panels.register()  # the portal's shipments panel (oms.panels customer slot)
