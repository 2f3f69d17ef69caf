"""Operations: metrics (and, in later issues, health, SLA, profiling, error tracking)."""
