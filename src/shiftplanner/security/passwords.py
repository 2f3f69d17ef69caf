"""argon2id password hashing with rehash-on-login when the cost parameters change.

A hash costs a few hundred milliseconds of CPU, so it never runs on the event loop: it
runs in a worker thread (argon2 releases the GIL), at most `password_hash_threads` at
once so that a flood of sign-ins cannot take every thread, and with at most
`password_hash_queue` waiting beyond them; further sign-ins are answered 503 at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache, cached_property
from typing import TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from shiftplanner.config import Settings
from shiftplanner.errors import ServiceUnavailable

T = TypeVar("T")
BUSY_RETRY_SECONDS = 1


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            type=argon2.Type.ID,
        )
        self.min_length = settings.password_min_length
        self._slots = asyncio.Semaphore(settings.password_hash_threads)
        self._max_waiting = settings.password_hash_queue
        self._waiting = 0

    def weakness(self, password: str) -> str | None:
        """Why a new password is not acceptable, or None: too short, or one of the 30,000
        most common passwords (zxcvbn's list; compared without case)."""
        if len(password) < self.min_length:
            return f"The password needs at least {self.min_length} characters."
        if password.lower() in _common_passwords():
            return "The password is one of the most common passwords; choose another."
        return None

    async def _in_thread(self, work: Callable[[], T]) -> T:
        if self._slots.locked() and self._waiting >= self._max_waiting:
            raise ServiceUnavailable(
                "Too many sign-ins are being checked right now; retry in a moment.",
                headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
            )
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            return await asyncio.to_thread(work)
        finally:
            self._slots.release()

    async def hash(self, password: str) -> str:
        return await self._in_thread(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._in_thread(lambda: self._verify(password_hash, password))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("not a real password, only spends the same time")

    async def spend_verify_time(self, password: str) -> None:
        """Verify against a dummy hash, so that a login for an unknown email takes as
        long as one for a known email and cannot reveal which addresses have accounts."""
        await self._in_thread(lambda: self._verify(self._dummy_hash, password))


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])
