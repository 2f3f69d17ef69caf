"""The roster solver: a pure package (it imports nothing from the app)."""

# CP-SAT search threads. From 6 on, CP-SAT's portfolio holds the LP-based workers that
# prove a demo team's month optimal in about a second, where 4 leave a 50 % gap after
# 30 s (measured on 2 cores); the threads take turns, so more than the cores still pays.
DEFAULT_WORKERS = 8
