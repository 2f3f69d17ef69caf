"""The live profiler (`/monitoring/profiler`): CPU profiles of the running process and
memory snapshot diffs, for the platform operator, off in production unless enabled."""
