"""Readiness: `GET /monitoring/health` and the `readiness(runtime)` the availability probe
calls."""
