"""The catalogue of webhook event types: each one's meaning and the JSON Schema of its body."""
