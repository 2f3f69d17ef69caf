"""The response cache (see `store` and `dependencies`)."""
