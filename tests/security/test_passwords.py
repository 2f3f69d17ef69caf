"""Password policy and hashing, without a database."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from shiftplanner.config import Settings
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


def test_a_hash_verifies_only_its_password(passwords: Passwords) -> None:
    hashed = passwords.hash(PASSPHRASE)
    assert PASSPHRASE not in hashed
    assert hashed.startswith("$argon2id$")
    assert hashed != passwords.hash(PASSPHRASE)  # salted
    assert passwords.verify(hashed, PASSPHRASE)
    assert not passwords.verify(hashed, PASSPHRASE.upper())
    assert not passwords.verify(hashed, "")


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
def test_verifying_against_garbage_is_a_plain_no(passwords: Passwords, garbage: str) -> None:
    assert passwords.verify(garbage, PASSPHRASE) is False
    assert passwords.verify(garbage, "") is False


def test_hashes_made_with_other_parameters_need_a_rehash(passwords: Passwords) -> None:
    assert not passwords.needs_rehash(passwords.hash(PASSPHRASE))
    for other in (
        {"password_hash_time_cost": 2},
        {"password_hash_memory_kib": 16},
        {"password_hash_parallelism": 2, "password_hash_memory_kib": 16},
    ):
        older = Passwords(settings(**other)).hash(PASSPHRASE)
        assert passwords.needs_rehash(older), other
        assert passwords.verify(older, PASSPHRASE)  # still accepted, until upgraded
    assert passwords.needs_rehash("not a hash")


def test_spending_verify_time_takes_as_long_as_a_verify() -> None:
    costly = Passwords(settings(password_hash_time_cost=2, password_hash_memory_kib=16384))
    hashed = costly.hash(PASSPHRASE)
    costly.spend_verify_time("warm up")

    def seconds(action: Callable[[], object]) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started

    spent = [seconds(lambda: costly.spend_verify_time("wrong password!")) for _ in range(3)]
    verified = [seconds(lambda: costly.verify(hashed, "wrong password!")) for _ in range(3)]
    ratio = statistics.median(spent) / statistics.median(verified)
    assert 0.3 <= ratio <= 3, (spent, verified)
    costly.spend_verify_time("")  # any input, even empty, runs without an error
