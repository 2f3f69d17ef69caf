"""argon2id password hashing with rehash-on-login when the cost parameters change."""

from __future__ import annotations

from functools import cache, cached_property

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from shiftplanner.config import Settings


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            type=argon2.Type.ID,
        )
        self.min_length = settings.password_min_length

    def weakness(self, password: str) -> str | None:
        """Why a new password is not acceptable, or None: too short, or one of the 30,000
        most common passwords (zxcvbn's list; compared without case)."""
        if len(password) < self.min_length:
            return f"The password needs at least {self.min_length} characters."
        if password.lower() in _common_passwords():
            return "The password is one of the most common passwords; choose another."
        return None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
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

    def spend_verify_time(self, password: str) -> None:
        """Verify against a dummy hash, so that a login for an unknown email takes as
        long as one for a known email and cannot reveal which addresses have accounts."""
        self.verify(self._dummy_hash, password)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])
