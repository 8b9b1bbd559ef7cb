from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Invoices, credit notes, payments and refunds."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # GDPR export and erasure (oms.privacy): what this app holds about a customer.
        from billing import privacy as gdpr_records

        gdpr_records.register()
        # Imported here: services need the app registry.
        from billing import panels as billing_panels
        from billing import subscribers
        from billing.services import cash_on_delivery
        from oms import events, navigation, panels
        from oms.roles import Role

        # The payment state beside the order's state, and the payment forms on the order page.
        panels.register(
            "order-header",
            name="payment-state",
            template="billing/panels/payment_badge.html",
            context=billing_panels.payment_badge,
            order=10,
        )
        panels.register(
            "order-detail",
            name="payments",
            template="billing/panels/order_payments.html",
            context=billing_panels.order_payments,
            order=15,
        )
        panels.register(
            "order-detail",
            name="invoices",
            template="billing/panels/order_invoices.html",
            context=billing_panels.order_invoices,
            order=14,
        )
        # The order's money summary (Invoiced / Credited) reads billing's documents.
        from billing.selectors import invoiced_and_credited
        from orders.selectors.money import register_money_source

        register_money_source(invoiced_and_credited)
        # Support's bank screen: statement imports and the credits that matched no order.
        navigation.register("support", _("Bank"), "billing:support-bank", roles={Role.SUPPORT, Role.MANAGER}, order=60)
        # Open items with their age past the due date.
        navigation.register(
            "support", _("Receivables"), "billing:support-receivables", roles={Role.SUPPORT, Role.MANAGER}, order=61
        )
        from billing import states

        states.register()
        # The admin role reads billing's documents and reminders in the admin (never changes them)
        # and edits the seller and the channels' and customers' billing settings.
        from oms.roles import grant

        read_only = [
            *("invoice", "invoiceline", "invoicevatrow", "invoicepayment", "numbercounter"),
            *("creditnote", "creditnoteline", "creditnotevatrow", "dunningnotice", "dunningpause"),
        ]
        editable = ["sellerprofile", "channelbilling", "channeleinvoicing", "customereinvoicing"]
        grant(
            Role.ADMIN,
            [f"billing.view_{m}" for m in read_only]
            + [f"billing.{a}_{m}" for m in editable for a in ("view", "add", "change")],
        )
        # Demo data (manage.py seed_demo): invoices in every state, reminders, a bank statement.
        from billing.seed import seed_billing
        from oms import seeding

        seeding.register("billing", seed_billing, order=60)
        # Cash on delivery is paid when the parcel is handed over (a sweep books any delivery missed).
        events.subscribe("shipment.delivered", cash_on_delivery.on_shipment_delivered)

        # Invoice and credit-note PDFs (oms.documents) and the mails that carry them (oms.mail),
        # requested in the issuing transaction.
        from billing import documents

        documents.register()
        # Factur-X/ZUGFeRD PDFs (PDF/A-3 with the EN 16931 XML embedded) beside them.
        from billing.einvoice import pdf as einvoice_pdf

        einvoice_pdf.register()
        # The customer's invoice and credit-note mails, with the PDF or e-invoice the buyer's setting asks for.
        from billing import mails

        mails.register()
        # Payment reminders (dunning notices): their PDF and mail.
        from billing import dunning_documents

        dunning_documents.register()
        # The portal's invoices and credit notes to download (oms.panels customer slot).
        from billing import customer_panels

        customer_panels.register()
        # Invoices on shipment (fulfillment's event) or, per channel, at order confirmation; the
        # sweep (billing.tasks) issues what a lost event left out.
        events.subscribe("shipment.shipped", subscribers.invoice_shipment)
        events.subscribe("order.confirmed", subscribers.invoice_confirmed_order)
        # Units cancelled after they were invoiced are credited.
        events.subscribe("order.cancelled", subscribers.credit_cancellation)
        events.subscribe("order.lines_cancelled", subscribers.credit_cancellation)
        # Payments recorded anywhere (intake, shop and PSP webhooks) settle the invoices.
        events.subscribe("order.payment_recorded", subscribers.settle_payments)
        events.subscribe("order.payment_refunded", subscribers.settle_payments)
        # What the warehouse accepted back from a return is credited and refunded (returns'
        # sweep resolves any return whose event was lost).
        events.subscribe("return.inspected", subscribers.credit_return)
        # The benchmark data set's invoices (manage.py generate_load), after the shipments.
        from billing import load

        load.register()
