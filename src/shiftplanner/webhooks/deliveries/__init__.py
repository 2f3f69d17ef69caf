"""Webhook deliveries: their queue, attempts, retries, replays and statistics."""
