"""Ambito's four services and the composition root (``services.cli``)."""
