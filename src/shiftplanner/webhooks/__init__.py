"""Webhooks: every domain event, signed the Standard Webhooks way, delivered to the
endpoints an organization subscribed, durably, with retries and a record of every attempt."""
