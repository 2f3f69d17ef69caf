"""Notification channels: where an organization's notifications go."""
