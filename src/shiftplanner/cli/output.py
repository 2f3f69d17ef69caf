"""What the commands print: one console for all of them, and the admin login box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    # For annotations only: `shiftplanner solve` prints with this module and never loads
    # the service these come from.
    from shiftplanner.bootstrap import AdminLogin
    from shiftplanner.demo import DemoAccounts

console = Console()
# What went wrong goes to standard error, apart from what a command produces.
error_console = Console(stderr=True)


def show_demo_accounts(accounts: DemoAccounts | None) -> None:
    if accounts is None:
        return
    table = Table(title="Demo sign-ins (the same password for each)", show_header=False)
    for email, role in accounts.emails:
        table.add_row(role.value, email)
    if accounts.generated_password:
        table.add_row(
            "password", f"[bold]{accounts.generated_password}[/bold]  (shown once; change it)"
        )
    else:
        table.add_row("password", "from SHIFTPLANNER_DEMO_PASSWORD")
    console.print(table)


def show_admin(login: AdminLogin | None) -> None:
    if login is None:
        return
    table = Table(title="Admin login (platform operator)", show_header=False)
    table.add_row("email", login.email)
    if login.generated_password:
        table.add_row(
            "password", f"[bold]{login.generated_password}[/bold]  (shown once; change it)"
        )
    else:
        table.add_row("password", "from SHIFTPLANNER_ADMIN_PASSWORD")
    console.print(table)
