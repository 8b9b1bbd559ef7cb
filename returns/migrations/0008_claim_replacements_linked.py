"""Replacement orders of claims resolved before they were placed through
``orders.services.replacements`` get the same ``Order.replacement_for`` link as an exchange's."""

from django.db import migrations


def link_claim_replacements(apps, schema_editor):
    ShipmentClaim = apps.get_model("returns", "ShipmentClaim")
    Order = apps.get_model("orders", "Order")
    claims = ShipmentClaim.objects.filter(replacement_order__isnull=False).values_list("replacement_order_id", "order_id")
    for replacement_id, order_id in claims.iterator():
        Order.objects.filter(pk=replacement_id, replacement_for__isnull=True).update(replacement_for_id=order_id)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0015_order_replacement_for"),
        ("returns", "0007_exchange"),
    ]

    operations = [migrations.RunPython(link_claim_replacements, migrations.RunPython.noop)]
