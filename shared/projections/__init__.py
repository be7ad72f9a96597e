"""Projections: read models built from the ledgers' events, with their positions tracked in
the same transaction as the rows they change (design sections 5 and 12)."""
