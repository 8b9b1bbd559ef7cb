"""Write side of the inventory: the only code that changes stock. See the modules:

- ``stock``: receive, adjust, count, transfer, return, scrap (each writes the movement ledger)
- ``reservations``: reserve, release, consume (the order side's contract)
- ``receiving``: purchase orders and receiving against them
- ``purchasing``: drafts edited in the back office or made from replenishment suggestions, sending to the supplier
- ``imports``: CSV import/export of products and stock levels
"""

from inventory.services.imports import (
    ImportResult,
    export_products_csv,
    export_stock_levels_csv,
    import_products_csv,
    import_stock_levels_csv,
)

__all__ = [
    "ImportResult",
    "export_products_csv",
    "export_stock_levels_csv",
    "import_products_csv",
    "import_stock_levels_csv",
]
