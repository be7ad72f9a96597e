"""Osservatorio: read models (case file, caseloads, access log, statistics) and SIUSS.

Built by the reporting issue; its own small ledger's events are in ``shared.events.reporting``.
"""
