"""Fulfillment's write side, one module per concept. Each public service is one transaction,
locks the order first (``orders.locks``) and then its own rows (``fulfillment.locks``), writes
the order's timeline (``fulfillment.services.timeline``) and publishes ``shipment.<verb>`` after
commit (``fulfillment.services.transitions``).

- ``planning``: ``build_wave`` / ``build_pick_list_for_order`` release allocated orders to the
  warehouse (``release_to_fulfillment``) and write shipments per order and warehouse with their
  lines per bin, and the pick list in bin order.
- ``picking``: ``scan_pick`` (bin, GTIN or SKU; a wrong item counts nothing), ``report_short_pick``
  (count correction, another bin, or split / backorder), ``assign_picker``.
- ``packing``: ``pack_shipment`` verifies every picked unit by scan and writes the packages:
  picking -> packed.
- ``shipping``: ``mark_labelled`` and ``ship_shipment``.
- ``holds``: ``hold_shipment`` / ``release_shipment_hold`` (address problem found in the warehouse).
- ``cancellation``: ``void_order_shipments`` on ``order.cancelled``.

The contract with the label work (booking a carrier label, PDFs):

- A shipment is ready for its label when it is ``packed`` with its packages written and, for a
  booked label, a carrier service chosen. Packing leaves it there; asking for the label (through
  the outbox, in the packing transaction or from the pack screen) belongs to the label work.
- A label is recorded either by ``mark_labelled(shipment=..., tracking_number=..., routing_code=...,
  document=...)`` or, inside a worker that holds the order's and the shipment's locks, by the
  ``Shipment.label`` transition saved with the fields ``SHIPMENT_TRANSITIONS["label"]`` lists. Either
  way the shipment is ``labelled``, ``label_state`` is ``ready`` and the tracking number is set
  (a database constraint insists); only then ``ship_shipment`` accepts it.
- Voiding a label (``Shipment.void_label``) returns the shipment to ``packed``; a hold voids it too.
"""
