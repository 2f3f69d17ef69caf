"""Error tracking: unhandled exceptions grouped by where they come from, stored in the
database, for operators (`/monitoring/errors`)."""
