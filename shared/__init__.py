"""Code every service shares: the event catalogue, the ledger, persons' keys, settings.

Imports no service (design section 11).
"""
