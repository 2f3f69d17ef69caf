"""Test harness: every database test runs on SQLite and on PostgreSQL.

Each backend gets one database per test session, built through the Alembic migrations;
each test commits for real (so concurrency and the outbox dispatcher behave as in
production) and the tables are emptied after it."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import redis
import redis.asyncio
import sqlalchemy.exc
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from shiftplanner.app import create_app
from shiftplanner.config import Settings
from shiftplanner.events import DomainEvent, add_transactional_hook
from shiftplanner.kit.time import utcnow
from shiftplanner.models import Base
from shiftplanner.runtime import Runtime
from shiftplanner.webhooks.event_types import service as event_type_service
from tests import lock_holders
from tests.databases import (
    ROOT,
    create_postgres_database,
    drop_postgres_database,
    migrate,
)
from tests.factories import Tenant, make_tenant

# Fixtures of their own modules, for every test.
pytest_plugins = ["tests.logs"]

REQUIRE_SERVICES = os.environ.get("SHIFTPLANNER_REQUIRE_SERVICES") == "1"
BACKENDS = ["sqlite", "postgresql"]
TEST_SECRET = "test-signing-secret-that-is-long-enough-0123456789"


def service_unavailable(what: str, error: BaseException) -> None:
    """Skip the test with a clear message, or fail it where CI requires the services."""
    message = f"{what} is not reachable ({error!r}); start it (see README, 'Development')"
    if REQUIRE_SERVICES:
        pytest.fail(message + " — SHIFTPLANNER_REQUIRE_SERVICES=1 makes this a failure")
    pytest.skip(message)


DELETE_EVERY_ROW = "; ".join(
    f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)
)


class DatabasePool:
    """One migrated database per backend, created the first time a test asks for it."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.urls: dict[str, str] = {}
        self.errors: dict[str, BaseException] = {}
        self.pg_name = f"shiftplanner_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        # One engine per database for emptying it after each test (a new engine each
        # time cost a connection per test).
        self.engines: dict[str, AsyncEngine] = {}

    async def url(self, backend: str) -> str:
        if backend in self.errors:
            service_unavailable("PostgreSQL", self.errors[backend])
        if backend not in self.urls:
            try:
                self.urls[backend] = await self._create(backend)
            except OSError as error:
                self.errors[backend] = error
                service_unavailable("PostgreSQL", error)
        return self.urls[backend]

    async def _create(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{self.tmp_dir / 'test.db'}"
        else:
            url = await create_postgres_database(self.pg_name)
        await migrate(url)
        return url

    async def empty(self, url: str) -> None:
        """Every row of every table gone, children first, in one round trip."""
        engine = self.engines.get(url)
        if engine is None:
            # A process the test started may still be ending a write on a busy machine (a
            # solver process storing its roster): wait for it rather than fail the test.
            engine = self.engines[url] = create_async_engine(
                url, pool_pre_ping=True, connect_args={"timeout": 30} if "sqlite" in url else {}
            )
        try:
            async with engine.begin() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                if engine.dialect.name == "postgresql":
                    await driver.execute(DELETE_EVERY_ROW)
                else:
                    await driver.executescript(DELETE_EVERY_ROW)
        except (sqlite3.OperationalError, sqlalchemy.exc.OperationalError) as error:
            # Another writer held the lock for all of `timeout`: name it.
            raise AssertionError(
                f"{error}; {lock_holders.describe(engine.url.database or '')}"
            ) from error

    async def close(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()
        if "postgresql" in self.urls:
            await drop_postgres_database(self.pg_name)


@pytest.fixture(scope="session")
async def database_pool(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabasePool]:
    pool = DatabasePool(tmp_path_factory.mktemp("db"))
    yield pool
    await pool.close()


REDIS_URL = os.environ.get("SHIFTPLANNER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url() -> str:
    """The real Redis, checked for a PONG; the tests keep to keys under their own prefix
    (`redis_settings`)."""
    client = redis.asyncio.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as error:
        service_unavailable("Redis", error)
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture
def redis_settings(settings: Settings, redis_url: str) -> Settings:
    """The test's settings with Redis for rate-limit counters, under a key prefix of
    this test's own (parallel runs share the server)."""
    return settings.model_copy(
        update={"redis_url": redis_url, "redis_key_prefix": f"test-{uuid.uuid4().hex}"}
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def empty_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, with no tables: for migrations and CLI tests."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"shiftplanner_empty_{uuid.uuid4().hex[:8]}"
    try:
        url = await create_postgres_database(name)
    except OSError as error:
        service_unavailable("PostgreSQL", error)
    yield url
    await drop_postgres_database(name)


def pytest_runtest_setup(item: pytest.Item) -> None:
    lock_holders.starting(item.nodeid)


@pytest.fixture
async def database_url(backend: str, database_pool: DatabasePool) -> AsyncIterator[str]:
    url = await database_pool.url(backend)
    yield url
    await database_pool.empty(url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    base = Settings(
        _env_file=None,
        database_url=database_url,
        jwt_secret=SecretStr(TEST_SECRET),
        password_hash_time_cost=1,
        password_hash_memory_kib=8,
        password_hash_parallelism=1,
        outbox_poll_interval_seconds=0.05,
        dispatcher_enabled=False,
        # Solver processes only where a test asks for them (tests/generation).
        generation_runner_enabled=False,
        # Generous limits, so the limiter runs in every test without refusing; the rate
        # limit tests set their own.
        rate_limit_read="100000/15minutes",
        rate_limit_write="100000/15minutes",
        rate_limit_login="100000/15minutes",
        rate_limit_refresh="100000/15minutes",
        # Sign-ins come from one address in tests; each test that throttles sets its own.
        login_address_attempts=100_000,
        log_level="warning",
        # Not in the background of every test; tests/performance warms it on purpose.
        cache_warm_up=False,
        # The alert evaluator and the notification sender run where a test asks for them.
        alerting_enabled=False,
        notifications_enabled=False,
        webhooks_enabled=False,
        # The live hub polls the outbox; tests/live (and the isolation walk) turn it on.
        live_enabled=False,
        data_dir=Path("/nonexistent-data-dir-tests-must-not-use"),
    )
    return base.model_copy(update=overrides)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    client_address: tuple[str, int] = ("127.0.0.1", 50000),
    base_url: str = "http://testserver",
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app of its own (with these settings) and a client of it, for tests that need
    settings other than the defaults or a particular client address."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(
            app=application, raise_app_exceptions=False, client=client_address
        )
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield application, http


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    result: Runtime = app.state.runtime
    return result


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def session(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data directly; commit to make it visible."""
    async with runtime.session_factory() as db:
        yield db


@pytest.fixture(autouse=True)
def _no_environment_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests configure the app explicitly; a developer's .env or shell must not leak in.
    for name in list(os.environ):
        if name.startswith("SHIFTPLANNER_") and name not in (
            "SHIFTPLANNER_REQUIRE_SERVICES",
            "SHIFTPLANNER_TEST_POSTGRES_URL",
            "SHIFTPLANNER_TEST_REDIS_URL",
        ):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)


class EventCatalogueGuard:
    """Checks every emitted event's webhook body against the catalogue's strict JSON
    Schema, so the whole suite proves the catalogue (GET /monitoring/webhooks/event-types)
    describes exactly what the code emits. One compiled validator per type."""

    def __init__(self) -> None:
        self.validators: dict[str, jsonschema_rs.Validator] = {}
        self.failures: list[str] = []

    def __call__(self, session: AsyncSession, event: DomainEvent) -> None:
        body: dict[str, Any] = {
            "type": event.type.value,
            "timestamp": utcnow().isoformat(),
            "data": event.data,
        }
        if event.changes is not None:
            body["changes"] = event.changes
        validator = self.validators.get(event.type.value)
        if validator is None:
            schema = event_type_service.payload_schema(event.type.value, strict=True)
            validator = jsonschema_rs.validator_for(schema, validate_formats=True)
            self.validators[event.type.value] = validator
        # As stored and sent: JSON.
        error = next(iter(validator.iter_errors(json.loads(json.dumps(body)))), None)
        if error is not None:
            where = "/".join(str(part) for part in error.instance_path)
            failure = f"{event.type.value} event disagrees with the webhook catalogue at /{where}: {error.message}"
            self.failures.append(failure)
            raise AssertionError(failure)


@pytest.fixture(scope="session", autouse=True)
def event_catalogue_guard() -> Iterator[EventCatalogueGuard]:
    guard = EventCatalogueGuard()
    add_transactional_hook(guard)
    yield guard
    # A disagreement inside a request surfaces as a 500; name them all once more here.
    assert not guard.failures, "\n".join(dict.fromkeys(guard.failures))


@pytest.fixture
async def tenant(session: AsyncSession, runtime: Runtime) -> Tenant:
    """The organization under test; its admin is also the platform operator."""
    return await make_tenant(session, runtime, superuser=True)


@pytest.fixture
async def other_tenant(session: AsyncSession, runtime: Runtime) -> Tenant:
    """Another organization, whose data the first must never see."""
    return await make_tenant(session, runtime)
