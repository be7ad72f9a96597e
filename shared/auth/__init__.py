"""Who is asking (tokens, principals) and what they may do (the authorisation policy)."""
