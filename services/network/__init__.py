"""Reti territoriali: the directory and map of the territory's resources.

Built by the network issue; its events are in ``shared.events.network``.
"""
