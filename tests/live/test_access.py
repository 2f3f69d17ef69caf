"""The live stream's read rules are the API's: every event type has one, naming the GET
route whose access it mirrors, with that route's roles; personal records are personal
where the API hides them; and an event type without a rule goes to nobody."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from shiftplanner.events import EventType
from shiftplanner.live.access import READ_RULES, RULE_OF, Reader, visible_data
from shiftplanner.models import Role
from shiftplanner.performance.cache.keys import CACHEABLE
from shiftplanner.webhooks.event_types import service as event_type_service
from tests.test_isolation import RULES


def reader(role: Role, *, analyst_id: int | None = None, user_id: int = 7) -> Reader:
    return Reader(org_id=1, user_id=user_id, role=role, analyst_id=analyst_id)


def test_every_event_type_has_exactly_one_read_rule() -> None:
    named = Counter(event.value for rule in READ_RULES for event in rule.events)
    assert [kind.value for kind in EventType if kind.value not in named] == []
    assert [kind for kind, count in named.items() if count > 1] == []


def test_every_catalogued_event_the_service_emits_has_a_read_rule() -> None:
    # The webhook catalogue's own entries (a test message, a batch) are no domain events.
    emitted = {entry.name for entry in event_type_service.event_types()} - {
        event_type_service.WEBHOOK_TEST,
        event_type_service.BATCH,
    }
    assert emitted <= set(RULE_OF)


@pytest.mark.parametrize("rule", READ_RULES, ids=lambda rule: rule.route)
def test_each_rule_has_the_roles_of_the_route_it_mirrors(rule: Any) -> None:
    assert ("GET", rule.route) in RULES, f"{rule.route} is no GET route of the API"
    assert rule.roles == RULES[("GET", rule.route)], rule.route


def test_records_are_personal_exactly_where_the_api_shows_callers_only_their_own() -> None:
    for path, cacheable in CACHEABLE.items():
        rules = [rule for rule in READ_RULES if rule.route == path]
        assert all((rule.personal is not None) == cacheable.personal for rule in rules), path
    personal = {rule.route for rule in READ_RULES if rule.personal is not None}
    assert {path for path, c in CACHEABLE.items() if c.personal} <= personal


@pytest.mark.parametrize("kind", ["schedule.rescheduled", "batch", "webhook.test", ""])
def test_an_event_type_without_a_rule_goes_to_nobody(kind: str) -> None:
    assert visible_data(reader(Role.ADMIN), kind, {"id": 1}) is None


def test_roles_below_the_rule_get_nothing() -> None:
    data = {"id": 1, "email": "someone@example.com"}
    assert visible_data(reader(Role.ADMIN), "user.created", data) == data
    for role in (Role.MANAGER, Role.ANALYST, Role.VIEWER):
        assert visible_data(reader(role), "user.created", data) is None
    job = {"id": 3, "team_id": 2, "point": {"seconds": 1.0, "objective": 9, "bound": 4}}
    assert visible_data(reader(Role.MANAGER), "generation.progressed", job) == job
    assert visible_data(reader(Role.ANALYST), "generation.progressed", job) is None


def test_personal_records_reach_their_analyst_and_the_managers_only() -> None:
    absence = {"id": 5, "analyst_id": 11, "status": "requested"}
    assert visible_data(reader(Role.ANALYST, analyst_id=11), "absence.requested", absence)
    assert visible_data(reader(Role.ANALYST, analyst_id=12), "absence.requested", absence) is None
    assert visible_data(reader(Role.VIEWER), "absence.requested", absence) is None
    assert visible_data(reader(Role.MANAGER), "absence.requested", absence) == absence
    feed = {"id": 2, "analyst_id": 11, "created_by_user_id": 7}
    assert visible_data(reader(Role.VIEWER, user_id=7), "calendar_feed.created", feed) == feed
    assert visible_data(reader(Role.ANALYST, user_id=8), "calendar_feed.created", feed) is None


def test_someone_elses_absence_overlap_is_left_out_of_a_conflict_event() -> None:
    own = {"type": "absence_overlap", "analyst_id": 11, "absence_id": 1}
    others = {"type": "absence_overlap", "analyst_id": 12, "absence_id": 2}
    rest = {"type": "rest_violation", "analyst_id": 12, "absence_id": None}
    data = {"conflicts": [own, others, rest]}
    assert visible_data(reader(Role.ANALYST, analyst_id=11), "conflict.detected", data) == {
        "conflicts": [own, rest]
    }
    assert visible_data(reader(Role.MANAGER), "conflict.detected", data) == data
    only_others = {"conflicts": [others]}
    assert visible_data(reader(Role.VIEWER), "conflict.detected", only_others) is None
