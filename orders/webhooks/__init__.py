"""Inbound order webhooks from shop systems (Shopify ``orders/create``/``orders/paid``,
WooCommerce ``order.created``/``order.updated``).

One module per job:

- ``signatures``: the HMAC-SHA256 scheme both shops use, checked in constant time;
- ``deliveries``: receiving a delivery (signature first, topic, repeated deliveries dropped, body
  parsed) and placing its order with the delivery recorded in the same transaction;
- ``fields``: reading a payload's amounts, quantities, texts and dates;
- ``shopify``, ``woocommerce``: one mapper per shop, payload -> ``OrderDraft``;
- ``errors``: what can go wrong, as exceptions with their HTTP status;
- ``views``: the two endpoints, which turn every error into a JSON answer in one place.

Every delivery is checked in this order, and nothing is parsed or stored before the signature
is verified:

1. read the raw body (over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` -> 413),
2. find the channel by the code in the URL and verify the HMAC-SHA256 signature of the raw bytes
   with the channel's webhook secret in constant time (unknown channel, no secret, missing or wrong
   signature -> 401, all alike so the answer does not reveal which channels exist),
3. drop repeated deliveries (same delivery id header -> 200 "duplicate"),
4. parse and map the payload onto an ``OrderDraft`` (malformed JSON -> 400, unusable fields -> 422),
5. place the order through the one intake service; the same shop order id twice creates nothing
   new (``external_id`` is unique per channel) and answers 200 "duplicate". A later delivery
   reporting a known, still unpaid order as paid (WooCommerce ``order.updated``, Shopify
   ``orders/paid``) records the capture once, which confirms the pending order.

Shop systems retry on anything but 2xx and WooCommerce disables a hook after repeated failures,
so every accepted or deliberately ignored delivery answers 200 quickly; 4xx is kept for requests
that would fail the same way on every retry (bad signature, unusable payload). Every answer is JSON.
"""
