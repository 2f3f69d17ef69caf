from __future__ import annotations

from datetime import date

import pytest

from shiftplanner.errors import InvalidInput
from shiftplanner.kit.pagination import decode_cursor, encode_cursor
from shiftplanner.models import Assignment


def test_a_cursor_round_trips_typed_values() -> None:
    token = encode_cursor([date(2026, 11, 23), 42])
    assert decode_cursor(token, [Assignment.date, Assignment.id]) == (date(2026, 11, 23), 42)


@pytest.mark.parametrize(
    "token",
    [
        "not base64 at all!",
        encode_cursor([1]),  # too few keys
        encode_cursor(["yesterday", 1]),  # not a date
        encode_cursor(["2026-11-23", "one"]),  # not an id
        "eyJhIjogMX0",  # an object, not a list
    ],
)
def test_a_foreign_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(token, [Assignment.date, Assignment.id])
    assert refused.value.extra["errors"][0]["parameter"] == "cursor"
