"""What `shiftplanner demo` does: seed the demo organization, showing its progress, then
the sign-ins it made."""

from __future__ import annotations

import asyncio
from datetime import date

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shiftplanner import demo
from shiftplanner.cli.output import console, show_admin, show_demo_accounts
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import session_scope
from shiftplanner.kit.text import counted
from shiftplanner.logging import configure_logging
from shiftplanner.runtime import Runtime


def run(*, if_empty: bool) -> None:
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(_seed_demo(settings, if_empty=if_empty))


async def _seed_demo(settings: Settings, *, if_empty: bool) -> None:
    runtime = Runtime.build(settings)
    try:
        if if_empty:
            async with runtime.session_factory() as session:
                if await demo.has_organizations(session):
                    console.print("The database already has data; not seeding the demo.")
                    return
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("Seeding the demo organization", total=None)

            def step(name: str) -> None:
                bar.update(task, description=f"Seeding: {name}")

            async with session_scope(runtime.session_factory) as session:
                result = await demo.seed(
                    session, settings, runtime.passwords, today=date.today(), progress=step
                )
        created = ", ".join(counted(n, kind) for kind, n in result.created.items()) or "nothing new"
        console.print(
            f"Demo organization [bold]{result.organization.name}[/bold] (slug {demo.DEMO_SLUG}): {created}."
        )
        show_admin(result.admin)
        show_demo_accounts(result.accounts)
    finally:
        await runtime.close()
