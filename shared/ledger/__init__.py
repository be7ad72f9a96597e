"""The legal ledger: sealed, encrypted, append-only event stores (design section 3)."""
