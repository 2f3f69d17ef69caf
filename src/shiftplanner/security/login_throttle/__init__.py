"""Throttling failed sign-ins (see `service`)."""
