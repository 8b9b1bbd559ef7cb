"""Channel stock buffers: units held back from one channel's available-to-promise.

Creating or changing a buffer touches its own ``updated_at``, which the stock API's
``updated_since`` reads. A deleted buffer leaves no row to read, so deleting one marks the stock
rows of its products (of every product, for a channel-wide buffer) as changed instead: a channel
syncing incrementally then learns it may sell those units again.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inventory.models import ChannelStockBuffer, StockLevel


def delete_channel_buffers(*, buffers: QuerySet[ChannelStockBuffer]) -> int:
    """Delete ``buffers`` and mark the stock they held back as changed. Returns how many went."""
    with transaction.atomic():
        rows = list(buffers.select_for_update().order_by("pk").values_list("pk", "product_id"))
        if not rows:
            return 0
        product_ids = {product_id for _, product_id in rows}
        levels = (
            StockLevel.objects.all() if None in product_ids else StockLevel.objects.filter(product_id__in=product_ids)
        )
        levels.update(updated_at=timezone.now())
        ChannelStockBuffer.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    return len(rows)
