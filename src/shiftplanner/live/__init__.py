"""Live updates: the organization's changes as server-sent events (`GET /api/events`),
read from the outbox and sent to each listener as far as they may read them."""
