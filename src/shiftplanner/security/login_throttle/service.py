"""Throttling failed sign-ins so that passwords cannot be guessed, without letting anyone
lock a user out from elsewhere or learn which emails have accounts.

Each attempt concerns three subjects, keyed by the email as given (lower-cased), whether
or not it has an account, so that known and unknown emails are answered alike:

- the email from this client address: `login_lockout_attempts` failures lock this
  address out of the email until a window passes without an attempt;
- the email from anywhere: beyond `login_account_attempts` failures each further attempt
  waits 1 s, then 2, 4, ... up to the window; not from an address the account signed in
  from within `login_trusted_address_days`, so its owner gets in during an attack;
- the client address, whatever the email: `login_address_attempts` failures lock the
  address out until a quiet window (password spraying).

An attempt is counted as a failure before its password is checked, under a lock (a row
lock on PostgreSQL, the write lock on SQLite), and taken back once the password turns
out right: however many arrive at once, no more are judged than the rules allow. Each
count is committed at once, on its own: the lock is never held while a hash is computed,
and a refused sign-in does not roll its count back. A right password takes its count back
in the sign-in's own transaction."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.kit.time import utcnow
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.login_throttle.repository import LoginThrottleRepository
from shiftplanner.security.login_throttle.rules import Rule

PURGE_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Subjects:
    client: str  # the email from this address
    account: str  # the email from anywhere
    address: str  # this address, whatever the email


@dataclass(frozen=True, slots=True)
class Attempt:
    """The throttle's word on one sign-in: refused (by which rule, for how long), or
    counted; if it fails, the rules it makes wait from now on (`lockouts`)."""

    subjects: Subjects
    refused_by: str | None = None
    retry_after: int = 0
    lockouts: tuple[str, ...] = ()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class LoginThrottle:
    def __init__(
        self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        window = timedelta(seconds=settings.login_lockout_window_seconds)
        self.window = window
        self.client = Rule("account_from_address", settings.login_lockout_attempts, window, True)
        self.account = Rule("account", settings.login_account_attempts, window, False)
        self.address = Rule("address", settings.login_address_attempts, window, True)
        self.trusted_for = timedelta(days=settings.login_trusted_address_days)
        self._session_factory = session_factory
        self._last_purge = -math.inf

    def subjects(self, email: str, address: str | None) -> Subjects:
        email, address = email.lower(), address or "unknown"
        return Subjects(
            client=_digest("client", email, address),
            account=_digest("account", email),
            address=_digest("address", address),
        )

    def _rules(self, subjects: Subjects) -> dict[str, Rule]:
        return {
            subjects.client: self.client,
            subjects.account: self.account,
            subjects.address: self.address,
        }

    async def reserve(self, email: str, address: str | None) -> Attempt:
        """Count an attempt as a failure before its password is checked, or refuse it.
        Call it before the sign-in's own session touches the database: it takes a
        connection of its own, and must not wait for one while holding another."""
        now = utcnow()
        await self._purge_now_and_then(now)
        subjects = self.subjects(email, address)
        rules = self._rules(subjects)
        async with session_scope(self._session_factory) as session:
            repository = LoginThrottleRepository(session)
            counts = await repository.locked(rules, now)
            waits = {rule.name: rule.wait(counts.get(key), now) for key, rule in rules.items()}
            if waits[self.account.name] and await self._trusted(session, email, address, now):
                # The account signed in from this address lately: its owner, most likely.
                del waits[self.account.name]
            longest = max(waits, key=lambda name: waits[name])
            if waits[longest] > 0:
                return Attempt(subjects, refused_by=longest, retry_after=waits[longest])
            judged = {key: rule.judged(counts.get(key), now) for key, rule in rules.items()}
            await repository.save(judged)
        lockouts = tuple(
            rule.name for key, rule in rules.items() if rule.starts_waiting(judged[key])
        )
        return Attempt(subjects, lockouts=lockouts)

    async def _trusted(
        self, session: AsyncSession, email: str, address: str | None, now: datetime
    ) -> bool:
        return await audit_service.signed_in_from(session, email, address, now - self.trusted_for)

    async def succeeded(self, session: AsyncSession, attempt: Attempt) -> None:
        """The password was right: the email's runs of failures end, and the address's
        count takes the attempt back. In the sign-in's own transaction (which may hold
        SQLite's write lock already): should it roll back, the attempt stays a failure."""
        repository = LoginThrottleRepository(session)
        # Locked first, in key order as `reserve` locks them: the UPDATEs below would
        # lock them in whatever order they meet the rows, and deadlock with a reserve.
        await repository.locked(self._rules(attempt.subjects), utcnow())
        await repository.forget([attempt.subjects.client, attempt.subjects.account])
        await repository.take_back(attempt.subjects.address)

    async def _purge_now_and_then(self, now: datetime) -> None:
        """Drop the counts of subjects quiet for a window (every email ever tried would
        otherwise stay), at most once a minute per process."""
        if time.monotonic() - self._last_purge < PURGE_INTERVAL_SECONDS:
            return
        self._last_purge = time.monotonic()
        async with session_scope(self._session_factory) as session:
            await LoginThrottleRepository(session).purge(now - self.window)
