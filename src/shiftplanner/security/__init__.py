"""Authentication (passwords, JWT), roles and the request's acting user."""
