"""Segretariato sociale: requests, information, orientation, appointments, applications.

Built by the intake issue on the ledger in ``shared.ledger``; its events are in
``shared.events.intake``.
"""
