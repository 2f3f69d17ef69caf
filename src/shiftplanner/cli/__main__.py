"""`python -m shiftplanner.cli`: the `shiftplanner` command."""

from shiftplanner.cli import app

app()
