"""What every SQL statement adds to the metrics, to the current request's counts (its
rollup row carries them) and to this process's per-statement figures ("slowest
statements"); and the connection pool's state.

The listeners are SQLAlchemy's cursor events on the engine, so they see every statement
the app runs through SQLAlchemy, but not the principal reader's own driver path
(`security.principals`), which bypasses it on purpose. With the async drivers the sync
events run in SQLAlchemy's greenlet on the event loop's thread, in the context of the task
that awaited the statement: `current_queries` is the request's.

Cost: each statement pays two `perf_counter` calls, a dict lookup for its normalised
text (the regexes run once per distinct text) and three metric updates: 2-3 µs of our
own bookkeeping (`test_listener_cost_per_statement` prints it). End to end, with
SQLAlchemy's event dispatch, a `SELECT 1` on one connection measured 150-185 µs without
the listeners and 175-200 µs with them on PostgreSQL, 245-275 against 296 µs on SQLite
(best of 5 x 2,000 on a busy 2-core machine): roughly 15-25 µs a statement."""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import Pool

from shiftplanner.monitoring.metrics import (
    DATABASE_CONNECTIONS,
    DB_QUERIES,
    DB_QUERY_DURATION,
    DB_SLOW_QUERIES,
    QUERY_BUCKETS_SECONDS,
)
from shiftplanner.monitoring.recorder import Recorder, current_queries
from shiftplanner.monitoring.rollups.buckets import quantile

OPERATIONS = ("select", "insert", "update", "delete")
OTHER = "other"
# Distinct statements kept with figures; the least called one makes room for a new one.
MAX_STATEMENTS = 500
# Normalised texts remembered per raw text; forgotten all at once when full.
MAX_TEXTS = 5_000
MAX_TEXT_LENGTH = 2_000
_START = "shiftplanner_statement_started"

_SPACES = re.compile(r"\s+")
_STRING = re.compile(r"'(?:[^']|'')*'")
_PLACEHOLDER = re.compile(r"\$\d+|%\(\w+\)s|%s")
# asyncpg's placeholders carry the parameter's type: `$1::BIGINT`.
_CAST = re.compile(
    r"\?::[A-Za-z_]\w*(?:\s+WITH(?:OUT)?\s+TIME\s+ZONE)?(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")
_ROWS = re.compile(r"\(\.\.\.\)(?:\s*,\s*\(\.\.\.\))+")
_WITH_TOKENS = re.compile(r"\(|\)|\b(?:select|insert|update|delete)\b", re.IGNORECASE)


def normalise(statement: str) -> str:
    """The statement with literals and parameters as `?` and lists of them (an `IN`
    expansion, a multi-row VALUES) as `(...)`: one text per statement shape."""
    text_ = _SPACES.sub(" ", statement).strip()
    text_ = _STRING.sub("?", text_)
    text_ = _PLACEHOLDER.sub("?", text_)
    text_ = _CAST.sub("?", text_)
    text_ = _NUMBER.sub("?", text_)
    text_ = _LIST.sub("(...)", text_)
    text_ = _ROWS.sub("(...), ...", text_)
    return text_[:MAX_TEXT_LENGTH]


def operation_of(statement: str) -> str:
    """select, insert, update, delete or other, from the first keyword (a WITH … is
    judged by what follows it)."""
    head = statement.lstrip().split(None, 1)
    first = head[0].lower() if head else ""
    if first == "with":
        depth = 0
        for match in _WITH_TOKENS.finditer(statement):
            word = match.group(0)
            if word == "(":
                depth += 1
            elif word == ")":
                depth -= 1
            elif depth == 0:
                return word.lower()
        return OTHER
    return first if first in OPERATIONS else OTHER


@dataclass(slots=True)
class StatementFigures:
    text: str
    operation: str
    calls: int = 0
    total_seconds: float = 0.0
    max_seconds: float = 0.0
    # Non-cumulative counts per bound of QUERY_BUCKETS_SECONDS plus the overflow.
    buckets: list[int] = field(default_factory=lambda: [0] * (len(QUERY_BUCKETS_SECONDS) + 1))

    @property
    def mean_ms(self) -> float:
        return self.total_seconds * 1000 / self.calls if self.calls else 0.0

    @property
    def p95_ms(self) -> float:
        """Estimated like Prometheus's histogram_quantile, capped by the slowest call."""
        p95 = quantile(0.95, self.buckets, QUERY_BUCKETS_SECONDS, slowest=self.max_seconds)
        return p95 if p95 is not None else 0.0


@dataclass(frozen=True, slots=True)
class SlowStatement:
    """One statement shape of /monitoring/performance's "slowest statements"."""

    text: str
    operation: str
    calls: int
    total_ms: float
    mean_ms: float
    p95_ms: float | None
    max_ms: float | None


@dataclass(frozen=True, slots=True)
class PoolState:
    active: int
    idle: int
    waiting: int
    size: int


class DatabaseMetrics:
    """The instrumentation of one engine. `install()` adds the listeners; `remove()`
    takes them away (tests, shutdown)."""

    def __init__(
        self, engine: AsyncEngine, recorder: Recorder, *, slow_threshold_ms: float
    ) -> None:
        self.engine = engine
        self.recorder = recorder
        self.slow_threshold_seconds = slow_threshold_ms / 1000
        self.statements: dict[str, StatementFigures] = {}
        self._texts: dict[str, tuple[str, str]] = {}
        self._children = {
            op: (
                DB_QUERIES.labels(op),
                DB_QUERY_DURATION.labels(op),
                DB_SLOW_QUERIES.labels(op),
            )
            for op in (*OPERATIONS, OTHER)
        }
        self._waiting = 0
        self._wrapped: Pool | None = None
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        sync_engine: Engine = self.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._before)
        event.listen(sync_engine, "after_cursor_execute", self._after)
        self._installed = True
        self._count_waiting(sync_engine.pool)

    def remove(self) -> None:
        if not self._installed:
            return
        sync_engine: Engine = self.engine.sync_engine
        event.remove(sync_engine, "before_cursor_execute", self._before)
        event.remove(sync_engine, "after_cursor_execute", self._after)
        self._installed = False

    def _before(
        self,
        conn: Connection,
        _cursor: Any,
        _statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        conn.info[_START] = time.perf_counter()

    def _after(
        self,
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        started = conn.info.pop(_START, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        self.observe(statement, elapsed)

    def observe(self, statement: str, elapsed: float) -> None:
        """Count one statement that took `elapsed` seconds."""
        known = self._texts.get(statement)
        if known is None:
            if len(self._texts) >= MAX_TEXTS:
                self._texts.clear()
            known = self._texts[statement] = (normalise(statement), operation_of(statement))
        shape, op = known
        counter, histogram, slow_counter = self._children[op]
        counter.inc()
        histogram.observe(elapsed)
        slow = elapsed >= self.slow_threshold_seconds
        if slow:
            slow_counter.inc()
        queries = current_queries.get()
        if queries is not None:
            queries.queries += 1
            if slow:
                queries.slow_queries += 1
        else:
            self.recorder.background_queries(1, 1 if slow else 0)
        figures = self.statements.get(shape)
        if figures is None:
            if len(self.statements) >= MAX_STATEMENTS:
                least = min(self.statements.values(), key=lambda f: f.calls)
                del self.statements[least.text]
            figures = self.statements[shape] = StatementFigures(shape, op)
        figures.calls += 1
        figures.total_seconds += elapsed
        if elapsed > figures.max_seconds:
            figures.max_seconds = elapsed
        figures.buckets[bisect.bisect_left(QUERY_BUCKETS_SECONDS, elapsed)] += 1

    def slowest_statements(self, limit: int = 10) -> list[SlowStatement]:
        """This process's statement shapes by total time, most first."""
        ranked = sorted(self.statements.values(), key=lambda f: f.total_seconds, reverse=True)
        return [
            SlowStatement(
                text=f.text,
                operation=f.operation,
                calls=f.calls,
                total_ms=round(f.total_seconds * 1000, 3),
                mean_ms=round(f.mean_ms, 3),
                p95_ms=round(f.p95_ms, 3),
                max_ms=round(f.max_seconds * 1000, 3),
            )
            for f in ranked[:limit]
        ]

    def pool_state(self) -> PoolState:
        """The engine's pool now: checked out, idle in the pool, and checkouts waiting
        (a task inside the pool's `connect`, blocked on a full pool or opening a
        connection). Pools that keep no count (SQLite's in-memory StaticPool) say 0."""
        pool = self.engine.sync_engine.pool
        self._count_waiting(pool)
        checkedout: Callable[[], int] | None = getattr(pool, "checkedout", None)
        checkedin: Callable[[], int] | None = getattr(pool, "checkedin", None)
        size: Callable[[], int] | None = getattr(pool, "size", None)
        return PoolState(
            active=checkedout() if checkedout else 0,
            idle=checkedin() if checkedin else 0,
            waiting=self._waiting,
            size=size() if size else 1,
        )

    def update_pool_gauges(self) -> PoolState:
        state = self.pool_state()
        DATABASE_CONNECTIONS.labels("active").set(state.active)
        DATABASE_CONNECTIONS.labels("idle").set(state.idle)
        DATABASE_CONNECTIONS.labels("waiting").set(state.waiting)
        return state

    def _count_waiting(self, pool: Pool) -> None:
        """Wrap the pool's public `connect` (the engine's only way in) to count the
        checkouts in progress; again after `engine.dispose()` made a new pool."""
        if self._wrapped is pool:
            return
        original = pool.connect

        def connect() -> Any:
            self._waiting += 1
            try:
                return original()
            finally:
                self._waiting -= 1

        pool.connect = connect  # type: ignore[method-assign]
        self._wrapped = pool


PG_STATEMENTS_SQL = text(
    """
    SELECT query, calls, total_exec_time, mean_exec_time, max_exec_time
    FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC
    LIMIT :limit
    """
)


async def pg_stat_statements(session: AsyncSession, limit: int = 10) -> list[SlowStatement] | None:
    """The database's own figures of every process's statements, slowest in total first,
    when PostgreSQL has the `pg_stat_statements` extension installed (and loaded); None
    otherwise (SQLite, or the extension missing). It keeps no p95, only mean and max."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    # Asked first rather than tried: a failed statement would spoil the caller's
    # transaction, and a read's session has none to roll back to a savepoint in.
    available = await session.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') "
            "AND 'pg_stat_statements' = ANY (string_to_array("
            "replace(current_setting('shared_preload_libraries'), ' ', ''), ','))"
        )
    )
    if not available:
        return None
    rows = (await session.execute(PG_STATEMENTS_SQL, {"limit": limit})).all()
    return [
        SlowStatement(
            text=normalise(query),
            operation=operation_of(query),
            calls=int(calls),
            total_ms=round(float(total), 3),
            mean_ms=round(float(mean), 3),
            p95_ms=None,
            max_ms=round(float(maximum), 3),
        )
        for query, calls, total, mean, maximum in rows
    ]
