"""GitHub: the REST client, polling sync, webhooks and the published summary."""
