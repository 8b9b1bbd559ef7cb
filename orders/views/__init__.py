"""Server-rendered pages of the orders app, by area (support desk: support, cases, phone, imports)."""
