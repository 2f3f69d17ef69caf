"""Password policy and hashing, without a database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shiftplanner.config import Settings
from shiftplanner.errors import ServiceUnavailable
from shiftplanner.security.passwords import Passwords
from tests.conftest import make_settings

PASSPHRASE = "violet kettle orbits a sleepy harbour"


def settings(**overrides: Any) -> Settings:
    return make_settings("sqlite+aiosqlite://", **overrides)


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(settings())


@pytest.mark.parametrize("password", ["", "short", "x" * 11, "Elevenchars"])
def test_short_passwords_are_refused(passwords: Passwords, password: str) -> None:
    weakness = passwords.weakness(password)
    assert weakness is not None
    assert "12" in weakness


def test_the_minimum_length_follows_the_settings() -> None:
    strict = Passwords(settings(password_min_length=20))
    assert strict.weakness("x" * 19) is not None
    assert strict.weakness("x" * 20) is None
    assert Passwords(settings()).weakness("x" * 12) is None


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PASSWORD1234",
        "Password1234",
        "Qwertyuiop123",
        "QWERTYUIOP123",
        "qwertyuiop123",
    ],
)
def test_common_passwords_are_refused_whatever_their_case(
    passwords: Passwords, password: str
) -> None:
    weakness = passwords.weakness(password)
    assert weakness is not None
    assert "common" in weakness


@pytest.mark.parametrize("password", [PASSPHRASE, "correct horse battery staple", "x" * 1024])
def test_long_uncommon_passwords_are_accepted(passwords: Passwords, password: str) -> None:
    assert passwords.weakness(password) is None


async def test_a_hash_verifies_only_its_password(passwords: Passwords) -> None:
    hashed = await passwords.hash(PASSPHRASE)
    assert PASSPHRASE not in hashed
    assert hashed.startswith("$argon2id$")
    assert hashed != await passwords.hash(PASSPHRASE)  # salted
    assert await passwords.verify(hashed, PASSPHRASE)
    assert not await passwords.verify(hashed, PASSPHRASE.upper())
    assert not await passwords.verify(hashed, "")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$bm90IGEgZGlnZXN0",
        "$argon2id$v=19$m=8,t=1,p=1$!!!$!!!",
        "$2b$12$KIXQ8pYk7Qq5rHcZ3j3Y7u1mUO3m1ZP8dZ5r3T1Q8m1ZP8dZ5r3T1",
        "5f4dcc3b5aa765d61d327deb882cf99",
    ],
)
async def test_verifying_against_garbage_is_a_plain_no(passwords: Passwords, garbage: str) -> None:
    assert await passwords.verify(garbage, PASSPHRASE) is False
    assert await passwords.verify(garbage, "") is False


async def test_hashes_made_with_other_parameters_need_a_rehash(passwords: Passwords) -> None:
    assert not passwords.needs_rehash(await passwords.hash(PASSPHRASE))
    for other in (
        {"password_hash_time_cost": 2},
        {"password_hash_memory_kib": 16},
        {"password_hash_parallelism": 2, "password_hash_memory_kib": 16},
    ):
        older = await Passwords(settings(**other)).hash(PASSPHRASE)
        assert passwords.needs_rehash(older), other
        assert await passwords.verify(older, PASSPHRASE)  # still accepted, until upgraded
    assert passwords.needs_rehash("not a hash")


async def test_spending_verify_time_takes_as_long_as_a_verify() -> None:
    costly = Passwords(settings(password_hash_time_cost=2, password_hash_memory_kib=16384))
    hashed = await costly.hash(PASSPHRASE)
    # The dummy hash has the cost of a real one, so the same work is done...
    assert not costly.needs_rehash(costly._dummy_hash)
    await costly.spend_verify_time("warm up")

    async def seconds(action: Callable[[], Awaitable[object]]) -> float:
        started = time.perf_counter()
        await action()
        return time.perf_counter() - started

    # ...and it takes as long. Interleaved, and the fastest of each compared: a busy
    # machine only ever slows a sample down.
    spent: list[float] = []
    verified: list[float] = []
    for _ in range(5):
        spent.append(await seconds(lambda: costly.spend_verify_time("wrong password!")))
        verified.append(await seconds(lambda: costly.verify(hashed, "wrong password!")))
    ratio = min(spent) / min(verified)
    assert 0.5 <= ratio <= 2, (spent, verified)
    await costly.spend_verify_time("")  # any input, even empty, runs without an error


async def test_hashing_never_stalls_the_event_loop() -> None:
    """While hashes are computed, other work on the loop goes on: a ticker that wants to
    run every 10 ms is never late by anything like a hash's time."""
    costly = Passwords(settings(password_hash_time_cost=3, password_hash_memory_kib=32768))
    hashed = await costly.hash(PASSPHRASE)
    started = time.perf_counter()
    await costly.verify(hashed, PASSPHRASE)
    one_hash = time.perf_counter() - started
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lateness.append(time.perf_counter() - before - 0.01)

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(costly.verify(hashed, "wrong password!") for _ in range(4)))
    done.set()
    await ticking
    assert len(lateness) >= 4
    assert max(lateness) < one_hash / 2, (max(lateness), one_hash)


async def test_a_flood_of_hashes_is_bounded_and_the_excess_refused_at_once() -> None:
    bounded = Passwords(settings(password_hash_threads=1, password_hash_queue=2))
    hashed = await bounded.hash(PASSPHRASE)
    outcomes = await asyncio.gather(
        *(bounded.verify(hashed, PASSPHRASE) for _ in range(6)), return_exceptions=True
    )
    # One computing, two waiting; the other three are told to come back.
    assert outcomes.count(True) == 3, outcomes
    refused = [o for o in outcomes if isinstance(o, ServiceUnavailable)]
    assert len(refused) == 3
    assert refused[0].headers["Retry-After"] == "1"
    assert await bounded.verify(hashed, PASSPHRASE)  # and it serves again afterwards
