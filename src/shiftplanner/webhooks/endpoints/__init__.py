"""Webhook endpoints: an organization's subscriptions."""
