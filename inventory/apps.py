from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    """Products, warehouses, stock levels, the stock ledger, reservations, purchase orders, replenishment."""

    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        # Imported here: oms.roles pulls in django.contrib.auth models, which need the app registry.
        from inventory.demo_demand import seed_demand
        from oms import navigation, seeding
        from oms.roles import Role

        # Screens (inventory.views): stock and inbound for the warehouse, the CSV exchange for managers.
        navigation.register("warehouse", _("Stock"), "inventory:stock-list", order=10)
        navigation.register("warehouse", _("Receiving"), "inventory:receiving", order=20)
        navigation.register("warehouse", _("Purchase orders"), "inventory:purchase-order-list", order=30)
        from inventory.panels import warehouse_home
        from oms import panels

        panels.register(
            "warehouse-home", name="deliveries", template="inventory/panels/warehouse_home.html", context=warehouse_home
        )
        navigation.register(
            "reports", _("Inventory CSV import/export"), "inventory:csv-exchange", roles={Role.MANAGER}, order=80
        )
        # Replenishment (inventory.views.replenishment): suggestions and forecasts for managers.
        navigation.register("reports", _("Replenishment"), "inventory:replenishment-list", order=40)
        seeding.register("demand", seed_demand, order=30)
        # Purchase orders to suppliers: their PDF (oms.documents) and the mail that sends it (oms.mail).
        from inventory import purchase_documents

        purchase_documents.register()

        # Domain (inventory.services, inventory.seed): the demo catalogue first, then who may see what.
        from inventory.seed import seed_inventory
        from oms.roles import grant

        seeding.register("inventory", seed_inventory, order=10)
        view_all = [
            f"inventory.view_{m}"
            for m in (
                "product",
                "category",
                "warehouse",
                "binlocation",
                "supplier",
                "stocklevel",
                "binstock",
                "stockmovement",
                "channelstockbuffer",
                "purchaseorder",
                "purchaseorderline",
                "dailydemand",
                "replenishmentrule",
                "demandforecast",
            )
        ]
        # Reorder rules are the manager's to set (the replenishment screen, or the admin).
        rules = [f"inventory.{action}_replenishmentrule" for action in ("add", "change", "delete")]
        grant(
            Role.WAREHOUSE,
            [
                "inventory.view_product",
                "inventory.view_warehouse",
                "inventory.view_binlocation",
                "inventory.view_stocklevel",
                "inventory.view_binstock",
                "inventory.view_stockmovement",
                "inventory.add_stockmovement",
                "inventory.view_purchaseorder",
                "inventory.view_purchaseorderline",
            ],
        )
        grant(Role.MANAGER, view_all + rules)
        grant(Role.SUPPORT, view_all)
        # Admins keep master data in /admin/; stock rows stay read-only there (services only).
        master_data = ("product", "category", "warehouse", "binlocation", "supplier", "channelstockbuffer")
        grant(
            Role.ADMIN,
            view_all
            + rules
            + [f"inventory.{action}_{m}" for m in master_data for action in ("add", "change", "delete")]
            + [
                f"inventory.{action}_{m}"
                for m in ("purchaseorder", "purchaseorderline")
                for action in ("add", "change")
            ],
        )
