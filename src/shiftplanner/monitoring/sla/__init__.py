"""The service level: availability from the probe, error rate and p95 latency over a
window, each against its target, and the error budget."""
