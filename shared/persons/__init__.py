"""Persons: per-person keys, blind indexes and erasure (design section 3)."""
