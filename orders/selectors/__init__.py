"""Read side of the orders app: the queries the screens, the API and other apps read, one module
per screen or subject. Nothing here writes, and nothing here imports a service.

- ``order_search``: the support order list and search (exact identifiers first, then words)
- ``order_detail``: the support order page, in a fixed number of queries
- ``cases``: the case queue and one case's thread
- ``order_entry``: phone order entry (products, customers, what can be promised)
- ``imports``: the CSV order import pages
- ``api``: the JSON API's order list and order
- ``channels``: channels as screens and the API look them up
- ``money``: what an order was charged, refunded, invoiced and credited
- ``backorders``: backordered orders waiting for stock
- ``matching``: the search text rules the screens share
"""
