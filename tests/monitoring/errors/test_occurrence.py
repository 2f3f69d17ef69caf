"""What identifies an error group: the exception's type and the function of ours it
escaped from (not the line, which moves with every edit); what a record keeps of it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import IntegrityError

from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.errors.occurrence import MAX_TRACEBACK, Occurrence, describe


def caught(function: object, *args: object) -> BaseException:
    assert callable(function)
    with pytest.raises(Exception) as info:  # noqa: PT011 (any error: that is the point)
        function(*args)
    return info.value


def occurrence_of(error: BaseException) -> Occurrence:
    return describe(error, occurred_at=utcnow())


def fail_at_one_of_two_lines(second: bool) -> None:
    if second:
        raise ValueError("the second line")
    raise ValueError("the first line")


def parse_a_setting(text: str) -> object:
    return json.loads(text)  # the library raises; the group is this function's


def fail_elsewhere() -> None:
    raise ValueError("another function")


def test_the_same_function_at_another_line_is_the_same_group() -> None:
    first = occurrence_of(caught(fail_at_one_of_two_lines, False))
    second = occurrence_of(caught(fail_at_one_of_two_lines, True))
    assert first.fingerprint == second.fingerprint
    name = f"{__name__}:fail_at_one_of_two_lines"
    assert first.location.startswith(name + ":")
    assert second.location.startswith(name + ":")
    assert first.location != second.location  # the line, for reading, is the latest's


def test_another_function_or_type_is_another_group() -> None:
    base = occurrence_of(caught(fail_at_one_of_two_lines, False))
    assert occurrence_of(caught(fail_elsewhere)).fingerprint != base.fingerprint
    raised_from_the_same_place = caught(fail_at_one_of_two_lines, False)
    other_type = TypeError(*raised_from_the_same_place.args).with_traceback(
        raised_from_the_same_place.__traceback__
    )
    assert occurrence_of(other_type).fingerprint != base.fingerprint


def test_a_library_error_is_located_in_the_code_that_called_the_library() -> None:
    found = occurrence_of(caught(parse_a_setting, "not json"))
    assert found.exception_type == "json.decoder.JSONDecodeError"
    assert found.location.startswith(f"{__name__}:parse_a_setting:")
    # The traceback still reaches into the library, where it was raised.
    assert "json/decoder.py" in found.traceback


def test_statement_parameters_stay_out_of_the_record() -> None:
    def insert_a_user() -> None:
        raise IntegrityError(
            "INSERT INTO users (email, password_hash) VALUES (?, ?)",
            ("someone@example.com", "$argon2id$secret-hash"),
            Exception("UNIQUE constraint failed: users.email"),
        )

    found = occurrence_of(caught(insert_a_user))
    assert "UNIQUE constraint failed" in found.message
    for text in (found.message, found.traceback):
        assert "someone@example.com" not in text
        assert "secret-hash" not in text
        assert "[parameters: hidden]" in text


def test_messages_and_tracebacks_are_bounded() -> None:
    def recurse(depth: int) -> None:
        if depth == 0:
            raise RuntimeError("x" * 5000)
        recurse(depth - 1)

    found = occurrence_of(caught(recurse, 200))
    assert len(found.message) == 1000
    assert len(found.traceback) <= MAX_TRACEBACK + 100
    # The innermost frames are the ones kept.
    assert found.traceback.rstrip().endswith("x" * 50)
    assert found.traceback.count("in recurse") <= 16
