"""HTTP benchmarks: the service and a bare FastAPI endpoint serving the same body, side
by side in one run, under wrk (throughput, latency) and Locust (user scenarios)."""
