"""API keys for machine clients."""
