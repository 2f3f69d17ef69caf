"""Counts read as English: never "1 blackout dates"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shiftplanner.kit.text import counted
from shiftplanner.scheduling import text as solver_text


@pytest.mark.parametrize("helper", [counted, solver_text.counted])
def test_a_count_takes_the_noun_that_agrees_with_it(helper: Callable[..., str]) -> None:
    assert helper(1, "blackout date") == "1 blackout date"
    assert helper(2, "blackout date") == "2 blackout dates"
    assert helper(0, "day") == "0 days"
    assert helper(1, "audit entry", "audit entries") == "1 audit entry"
    assert helper(3, "audit entry", "audit entries") == "3 audit entries"
