"""Deliveries: every notification as a stored row, sent by the delivery worker with
retries, backoff and a fallback channel."""
