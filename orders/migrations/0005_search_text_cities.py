"""Cities joined the order's search document (``build_search_text``); add them to existing orders.

Two set-based UPDATEs (no rows in Python), so it stays quick on large tables; the shipping city
is added, and the billing city where it differs.
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Lower


def add_cities(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Order.objects.exclude(shipping_city="").update(
        search_text=Concat(F("search_text"), Value(" "), Lower(F("shipping_city")))
    )
    Order.objects.exclude(billing_city="").exclude(billing_city=F("shipping_city")).update(
        search_text=Concat(F("search_text"), Value(" "), Lower(F("billing_city")))
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_line_demand_recorded")]

    operations = [migrations.RunPython(add_cities, migrations.RunPython.noop)]
