"""One real object behind every staff URL that takes parameters (an order, its case, a product,
an import, a purchase order, a forecast, a saved view of the order list, a shipment and its handover
manifest, an open pick list, a picked shipment to pack, an unmatched bank statement line, a shipped order
with a return request waiting for support, an approved return of the shipped parcel), for the tests that
with a return request waiting for support, the shipment's invoice), for the tests that
request those URLs as each role."""

from __future__ import annotations

from typing import Any

# The URL parameters that name the real objects ``build_world`` returns, per URL name: the tests
# request each staff URL about an object on a real one (permission matrix, CSP in the browser).
REAL_PARAMS = {
    "orders:support-order-detail": lambda o: {"number": o["order"].number},
    "orders:support-order-hold": lambda o: {"number": o["order"].number},
    "orders:support-order-unhold": lambda o: {"number": o["order"].number},
    "orders:support-order-cancel": lambda o: {"number": o["order"].number},
    "orders:support-order-cancel-lines": lambda o: {"number": o["order"].number},
    "orders:support-order-edit-address": lambda o: {"number": o["order"].number},
    "orders:support-order-edit-lines": lambda o: {"number": o["order"].number},
    "orders:support-order-note": lambda o: {"number": o["order"].number},
    "orders:support-case-create": lambda o: {"number": o["order"].number},
    "orders:support-case-detail": lambda o: {"pk": o["case"].pk},
    "orders:support-case-reply": lambda o: {"pk": o["case"].pk},
    "orders:support-case-transition": lambda o: {"pk": o["case"].pk, "verb": "resolve"},
    "orders:support-phone-customer-pick": lambda o: {"pk": o["order"].customer_id},
    "orders:support-order-import-detail": lambda o: {"pk": o["import"].pk},
    "orders:support-customer-privacy": lambda o: {"pk": o["order"].customer_id},
    "orders:support-customer-export-json": lambda o: {"pk": o["order"].customer_id},
    "orders:support-customer-export-html": lambda o: {"pk": o["order"].customer_id},
    "orders:support-customer-export-pdf": lambda o: {"pk": o["order"].customer_id},
    "orders:support-customer-erase": lambda o: {"pk": o["order"].customer_id},
    "inventory:product-stock": lambda o: {"sku": o["product"].sku},
    "inventory:stock-adjust": lambda o: {"sku": o["product"].sku},
    "inventory:stock-transfer": lambda o: {"sku": o["product"].sku},
    "inventory:stock-count": lambda o: {"sku": o["product"].sku},
    "inventory:purchase-order-detail": lambda o: {"number": o["purchase_order"].number},
    "inventory:purchase-order-edit": lambda o: {"number": o["purchase_order"].number},
    "inventory:purchase-order-send": lambda o: {"number": o["purchase_order"].number},
    "inventory:purchase-order-cancel": lambda o: {"number": o["purchase_order"].number},
    "inventory:purchase-order-receive": lambda o: {"number": o["purchase_order"].number},
    "inventory:purchase-order-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "inventory:receiving-receive": lambda o: {"number": o["purchase_order"].number},
    "inventory:receiving-receive-all": lambda o: {"number": o["purchase_order"].number},
    "inventory:csv-export": lambda o: {"kind": "stock"},
    "inventory:replenishment-detail": lambda o: {"pk": o["forecast"].pk},
    "support-mail-detail": lambda o: {"pk": o["mail"].pk},
    "support-mail-html": lambda o: {"pk": o["mail"].pk},
    "support-mail-resend": lambda o: {"pk": o["mail"].pk},
    "orders:support-order-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "fulfillment:support-tracking-entry": lambda o: {"reference": o["shipment"].reference},
    "fulfillment:warehouse-manifest-csv": lambda o: {"pk": o["manifest"].pk},
    "inventory:stock-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "orders:support-case-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "billing:support-order-payment-record": lambda o: {"number": o["order"].number},
    "billing:support-order-refund": lambda o: {"number": o["order"].number},
    "fulfillment:warehouse-pick-list-assign": lambda o: {"number": o["pick_list"].number},
    "fulfillment:warehouse-pick": lambda o: {"number": o["pick_list"].number},
    "fulfillment:warehouse-pick-scan": lambda o: {"number": o["pick_list"].number},
    "fulfillment:warehouse-pick-short": lambda o: {"number": o["pick_list"].number},
    "fulfillment:warehouse-pack-shipment": lambda o: {"reference": o["picked_shipment"].reference},
    "fulfillment:warehouse-pack-scan": lambda o: {"reference": o["picked_shipment"].reference},
    "fulfillment:warehouse-pack-close": lambda o: {"reference": o["picked_shipment"].reference},
    "fulfillment:warehouse-pack-label": lambda o: {"reference": o["shipment"].reference},
    "billing:support-bank-line-assign": lambda o: {"pk": o["bank_line"].pk},
    "billing:support-bank-line-ignore": lambda o: {"pk": o["bank_line"].pk},
    "billing:support-receivables-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "returns:support-return-create": lambda o: {"number": o["return_order"].number},
    "returns:support-return-detail": lambda o: {"number": o["return_request"].number},
    "returns:support-return-approve": lambda o: {"number": o["return_request"].number},
    "returns:support-return-reject": lambda o: {"number": o["return_request"].number},
    "returns:support-return-cancel": lambda o: {"number": o["return_request"].number},
    "returns:support-return-exchange": lambda o: {"number": o["return_request"].number},
    "returns:support-return-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "returns:support-claim-create": lambda o: {"reference": o["claim"].shipment.reference},
    "returns:support-claim-detail": lambda o: {"number": o["claim"].number},
    "returns:support-claim-resolve": lambda o: {"number": o["claim"].number},
    "returns:support-claim-carrier": lambda o: {"number": o["claim"].number},
    "returns:support-return-photo": lambda o: {
        "number": o["return_request"].number,
        "photo_id": o["return_photo"].pk,
    },
    "returns:warehouse-return": lambda o: {"number": o["rma"].number},
    "returns:warehouse-return-scan": lambda o: {"number": o["rma"].number},
    "returns:warehouse-return-finish": lambda o: {"number": o["rma"].number},
    "returns:warehouse-return-scrap": lambda o: {"number": o["rma"].number},
    "reporting:dashboard-csv": lambda o: {"table": "sales"},
    "reporting:order-view-delete": lambda o: {"pk": o["saved_view"].pk},
    "billing:support-invoice-credit": lambda o: {"number": o["invoice"].number},
    "billing:support-invoice-dunning": lambda o: {"number": o["invoice"].number},
    "billing:support-invoice-dunning-pause": lambda o: {"number": o["invoice"].number},
    "billing:support-invoice-dunning-resume": lambda o: {"number": o["invoice"].number},
    "billing:support-einvoice-zugferd": lambda o: {"number": o["invoice"].number},
    "billing:support-einvoice-xrechnung": lambda o: {"number": o["invoice"].number},
}


def build_world(*, user: Any, skus: dict[str, int]) -> dict[str, Any]:
    """Products ``{sku: units on hand}``, an order of 2 + 1 + ... units of them, and the rest.
    The first SKU carries the case's order line, the replenishment rule and the PO line."""
    from django.utils import timezone

    from billing.services.bank_statements import import_bank_statement
    from billing.services.issuing import issue_invoice_for_shipment
    from fulfillment.services.manifests import close_manifest
    from fulfillment.services.planning import build_pick_list_for_order
    from inventory.models import BinLocation, DemandForecast, Supplier
    from inventory.services.receiving import OrderLineInput, create_purchase_order
    from inventory.services.replenishment import recompute_forecasts, set_replenishment_rule
    from oms import outbox
    from oms.models import CustomerMail, OutboxMessage, SavedView
    from orders.models import OrderImport
    from orders.services.cases import open_case
    from orders.services.intake import place_order
    from returns.models import ClaimKind, ReturnReason
    from returns.services.claims import open_claim
    from returns.services.requests import create_return
    from tests.billing.flows import place, ship
    from tests.fulfillment.shipping import shipped_shipment
    from tests.fulfillment.warehouse_data import box, pick_all
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    warehouse = ordering.make_warehouse()
    BinLocation.objects.get_or_create(warehouse=warehouse, code="A-01-01")
    products = [ordering.make_product(sku, units=units) for sku, units in skus.items()]
    product = products[0]
    quantities = {sku: 2 if i == 0 else 1 for i, sku in enumerate(skus)}
    order = place_order(channel=channel, draft=ordering.order_draft(quantities)).order
    # The order's confirmation, sent (tests run without commits, so it is delivered here).
    confirmation = CustomerMail.objects.get(subject_type="order", subject_id=str(order.pk))
    outbox.deliver(OutboxMessage.objects.get(kind="customer_mail", payload__mail_id=confirmation.pk).pk)
    case = open_case(order=order, subject="Wo bleibt mein Paket?", message="Bitte prüfen", user=user)
    upload = OrderImport.objects.create(
        channel=channel, file="imports/orders/world.csv", original_name="orders.csv", created_by=user
    )
    set_replenishment_rule(product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=2, target_level=8)
    recompute_forecasts()
    purchase_order = create_purchase_order(
        supplier=Supplier.objects.create(name="Tassen GmbH"),
        warehouse=warehouse,
        lines=[OrderLineInput(product_id=product.pk, quantity=5)],
    )
    # A parcel with its carrier, on the day's handover manifest (its own order: the one above stays open).
    shipment = shipped_shipment()
    # Its invoice (the subscriber to shipment.shipped runs after commit, which tests never reach).
    invoice = issue_invoice_for_shipment(shipment_id=shipment.pk)
    manifest = close_manifest(
        carrier=shipment.carrier_service.carrier, warehouse=shipment.warehouse, business_date=timezone.localdate()
    )
    # An order released to the warehouse, its pick list open with a line to pick (its own product,
    # so the world's order above keeps its stock).
    pick_product = ordering.make_product(f"{product.sku}-PICK", units=5)
    pick_order = place_order(channel=channel, draft=ordering.order_draft({pick_product.sku: 1})).order
    pick_list = build_pick_list_for_order(order=pick_order, warehouse=warehouse, user=user)
    # And one picked to the end, waiting at the packing table (a box to pack it into).
    pack_product = ordering.make_product(f"{product.sku}-PACK", units=5)
    pack_order = place_order(channel=channel, draft=ordering.order_draft({pack_product.sku: 1})).order
    pick_all(build_pick_list_for_order(order=pack_order, warehouse=warehouse, user=user), user=user)
    box()
    # A credit on the bank statement that no order matches (support resolves it on the bank screen).
    statement = import_bank_statement(data=b"Buchungstag;Betrag;Verwendungszweck\n07.12.2026;13,37;Spende\n")
    bank_line = statement.statement.lines.get()
    # A return of one unit of the shipped parcel, approved: the warehouse's receiving screen.
    shipped_line = shipment.order.lines.order_by("pk").first()
    rma = create_return(shipment.order, {shipped_line.pk: 1}, ReturnReason.DOES_NOT_FIT, by=user)
    saved_view = SavedView.objects.create(user=user, list_name="orders", name="Gehaltene", query="state=on_hold")
    # A shipped order with a return request waiting for support (worth more than the automatic
    # approval allows) and one more unit that may still be returned.
    return_order = place({f"{product.sku}-RET": (2, "200.00")})
    ship(return_order, {f"{product.sku}-RET": 2}, user=user)
    return_request = create_return(
        return_order, {return_order.lines.get().pk: 1}, ReturnReason.NOT_AS_DESCRIBED, by=user
    )
    # A photo of it (real JPEG bytes): support reads it through a permission-checked view.
    return_photo = _return_photo(return_request)
    # A claim on one of the return order's two shipped units (damaged in transit), open: support
    # resolves it and tracks the claim against the carrier; the other unit may still be claimed.
    claim_shipment = return_order.shipments.order_by("pk").first()
    claim = open_claim(claim_shipment, ClaimKind.DAMAGED, {return_order.lines.get().pk: 1}, by=user)
    return {
        "claim": claim,
        "return_photo": return_photo,
        "return_order": return_order,
        "return_request": return_request,
        "rma": rma,
        "bank_line": bank_line,
        "invoice": invoice,
        "saved_view": saved_view,
        "pick_list": pick_list,
        "picked_shipment": pack_order.shipments.get(),
        "shipment": shipment,
        "manifest": manifest,
        "order": order,
        "case": case,
        "product": product,
        "import": upload,
        "purchase_order": purchase_order,
        "forecast": DemandForecast.objects.get(product=product),
        "mail": confirmation,
    }


def _return_photo(return_request: Any) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from returns.photos import check_photos
    from returns.services.requests import add_return_photos

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 60, 10)).save(out, "JPEG")
    upload = SimpleUploadedFile("fuzz.jpg", out.getvalue(), content_type="image/jpeg")
    (photo,) = add_return_photos(return_request, check_photos([upload]), by_label="test")
    return photo
