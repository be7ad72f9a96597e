"""Servizio sociale professionale: the case file, from opening to closure.

Built by the casework issue; its events are in ``shared.events.casework``.
"""
