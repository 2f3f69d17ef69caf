"""The principal read on the database driver: the same answer as through SQLAlchemy, the
database as it is now (a change committed elsewhere counts at once), and SQLAlchemy's
answer whenever the driver path cannot read."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role, User
from shiftplanner.runtime import Runtime
from shiftplanner.security import sessions
from shiftplanner.security.principals import (
    PostgresPrincipalReader,
    PrincipalReader,
    SqlitePrincipalReader,
)
from tests.factories import Tenant, make_org, make_team, make_user


async def _signed_in(session: AsyncSession, user: User) -> str:
    family_id = await sessions.open_family(session, user.id)
    await session.commit()
    return family_id


async def test_the_driver_reads_what_sqlalchemy_reads(
    runtime: Runtime, session: AsyncSession, tenant: Tenant, backend: str
) -> None:
    expected_kind = SqlitePrincipalReader if backend == "sqlite" else PostgresPrincipalReader
    assert type(runtime.principals) is expected_kind
    manager = tenant.users[Role.MANAGER]
    family_id = await _signed_in(session, manager)

    principal = await runtime.principals.read(family_id, manager.id)

    assert principal is not None
    assert principal == await sessions.signed_in(session, family_id, manager.id)
    assert (principal.org_id, principal.role, principal.is_active) == (
        tenant.org.id,
        Role.MANAGER,
        True,
    )
    assert principal.is_superuser is False
    assert principal.can_manage


async def test_a_committed_change_counts_at_the_next_read(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    viewer = tenant.users[Role.VIEWER]
    family_id = await _signed_in(session, viewer)
    assert await runtime.principals.read(family_id, viewer.id) is not None

    await session.execute(update(User).where(User.id == viewer.id).values(role=Role.ADMIN))
    await session.commit()
    promoted = await runtime.principals.read(family_id, viewer.id)
    assert promoted is not None
    assert promoted.role is Role.ADMIN

    await session.execute(update(User).where(User.id == viewer.id).values(is_active=False))
    await session.commit()
    disabled = await runtime.principals.read(family_id, viewer.id)
    assert disabled is not None
    assert disabled.is_active is False

    await sessions.revoke_user_sessions(session, viewer.id, reason="test")
    await session.commit()
    assert await runtime.principals.read(family_id, viewer.id) is None


async def test_a_data_change_moves_the_version_read(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    admin = tenant.users[Role.ADMIN]
    family_id = await _signed_in(session, admin)
    before = await runtime.principals.read(family_id, admin.id)
    assert before is not None

    await make_team(session, tenant.org)
    await session.commit()

    after = await runtime.principals.read(family_id, admin.id)
    assert after is not None
    assert after.data_version != before.data_version


async def test_someone_elses_sign_in_is_nobodys(
    runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    manager, viewer = tenant.users[Role.MANAGER], tenant.users[Role.VIEWER]
    family_id = await _signed_in(session, manager)

    assert await runtime.principals.read(family_id, viewer.id) is None
    assert await runtime.principals.read("no-such-family", manager.id) is None


async def test_sqlalchemy_answers_when_the_driver_path_cannot(
    runtime: Runtime, session: AsyncSession, backend: str
) -> None:
    org = await make_org(session)
    user = await make_user(session, runtime, org, Role.ANALYST)
    family_id = await _signed_in(session, user)
    engine = runtime.principals.engine
    unreachable: PrincipalReader = (
        SqlitePrincipalReader(engine, "/nonexistent-directory/shiftplanner.db")
        if backend == "sqlite"
        else PostgresPrincipalReader(engine, "postgresql://postgres@127.0.0.1:1/test")
    )
    try:
        principal = await unreachable.read(family_id, user.id)
    finally:
        await unreachable.close()

    assert principal is not None
    assert principal.org_id == org.id
    assert principal.role is Role.ANALYST
