"""Billing's write side, one module per concept: numbering, issuing, crediting, settlement."""
