"""Notifications: the channels messages go through (email, Slack, webhook, SMS, in-app),
every message as a stored delivery retried until it goes, and each user's in-app feed."""
