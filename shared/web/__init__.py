"""HTTP plumbing shared by the services' APIs: errors, limits, metrics, authentication."""
