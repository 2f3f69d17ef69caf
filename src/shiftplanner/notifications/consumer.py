"""Schedule changes reach the people they touch: an outbox consumer that tells each
analyst's user in-app (and by email, if they opted in) when their shifts change, when
their absence or shift request is decided, and when a roster with them is applied; and
tells the admins when the service disabled one of their webhooks.

One notice per user per change: a bulk write of fifty assignments is one notice listing
them (the events of one transaction are read together at the first), and a roster applied
is one notice, not one per assignment. Whoever made the change is not told of it.
Idempotent: the dispatcher may hand an event over twice, and `once_key` drops repeats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.config import Settings
from shiftplanner.errors import NotFound
from shiftplanner.events import Consumer, DispatchedEvent, EventType
from shiftplanner.events.outbox import change_batch
from shiftplanner.generation import service as generation_service
from shiftplanner.models import ChannelType, Role
from shiftplanner.notifications import service as feed_service
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Message, Recipient
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service
from shiftplanner.users import service as user_service

NAME = "notifications"
SCHEDULE = frozenset(
    {EventType.SCHEDULE_CREATED, EventType.SCHEDULE_UPDATED, EventType.SCHEDULE_DELETED}
)
DECISIONS = frozenset(
    {
        EventType.ABSENCE_APPROVED,
        EventType.ABSENCE_REJECTED,
        EventType.SHIFT_REQUEST_APPROVED,
        EventType.SHIFT_REQUEST_REJECTED,
    }
)
HANDLED = SCHEDULE | DECISIONS | {EventType.GENERATION_APPLIED, EventType.ENDPOINT_DISABLED}
# What of an assignment matters to the person working it (not its note or lock).
MATERIAL = ("analyst_id", "shift_type_id", "date", "is_screener")
MAX_LINES = 40


@dataclass(slots=True)
class Notice:
    """What one analyst is told about one change."""

    kind: str
    subject: str
    lines: list[str] = field(default_factory=list)
    link: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def consumer(settings: Settings) -> Consumer:
    async def handle(session: AsyncSession, event: DispatchedEvent) -> None:
        await notify(session, event, public_url=settings.public_url)

    return Consumer(NAME, handle)


async def notify(session: AsyncSession, event: DispatchedEvent, *, public_url: str) -> int:
    """Queue the notices `event` calls for; returns how many users were told."""
    if event.type not in HANDLED or event.org_id is None:
        return 0
    actor = Actor.system(event.org_id)
    base = public_url.rstrip("/")
    if event.type == EventType.ENDPOINT_DISABLED:
        return await _tell_admins_endpoint_disabled(session, actor, event, base)
    if event.type in SCHEDULE:
        batch = await change_batch(session, event, SCHEDULE | {EventType.GENERATION_APPLIED})
        # Not the first of its change, or part of a roster applied (told as a roster).
        if batch is None or any(e.type == EventType.GENERATION_APPLIED for e in batch):
            return 0
        notices = await _schedule_notices(session, actor, batch, base)
    elif event.type == EventType.GENERATION_APPLIED:
        notices = await _roster_notices(session, actor, event, base)
    else:
        notices = await _decision_notices(session, actor, event, base)
    return await _send(session, actor, event, notices)


async def _send(
    session: AsyncSession, actor: Actor, event: DispatchedEvent, notices: Mapping[int, Notice]
) -> int:
    analysts = await analyst_service.get_many(session, actor, notices)
    owners = {a.id: a.user_id for a in analysts.values() if a.user_id is not None}
    users = await user_service.get_many(session, actor, owners.values())
    emailed = await feed_service.users_emailed(session, actor.org_id, list(users))
    told = 0
    for analyst_id, user_id in owners.items():
        user = users.get(user_id)
        if user is None or not user.is_active or user_id == event.actor_user_id:
            continue
        notice = notices[analyst_id]
        recipients = [Recipient(ChannelType.IN_APP, str(user_id), user_id=user_id)]
        if user_id in emailed:
            recipients.append(Recipient(ChannelType.EMAIL, user.email, user_id=user_id))
        await delivery_service.enqueue(
            session,
            org_id=actor.org_id,
            message=_message(notice),
            recipients=recipients,
            once_key=f"event:{event.id}",
        )
        told += 1
    return told


async def _tell_admins_endpoint_disabled(
    session: AsyncSession, actor: Actor, event: DispatchedEvent, base: str
) -> int:
    """The service gave up on a webhook endpoint: every admin hears of it, in-app and by
    email (an integration has stopped receiving the organization's changes)."""
    data: Mapping[str, Any] = event.payload.get("data") or {}
    name = str(data.get("name", f"#{event.resource_id}"))
    reason = str(data.get("disabledReason") or "it kept failing.")
    admins = await user_service.active_with_role(session, actor, Role.ADMIN)
    recipients = [Recipient(ChannelType.IN_APP, str(u.id), user_id=u.id) for u in admins] + [
        Recipient(ChannelType.EMAIL, u.email, user_id=u.id) for u in admins
    ]
    message = Message(
        kind="webhook.disabled",
        subject=f"Webhook “{name}” was disabled",
        text=f"ShiftPlanner stopped sending to the webhook “{name}”: {reason} "
        "Fix the receiver, enable the webhook again, and replay what it missed.",
        link=f"{base}/operations#ops-webhooks",
        severity="HIGH",
        data={"webhook_id": event.resource_id, "reason": reason},
    )
    await delivery_service.enqueue(
        session,
        org_id=actor.org_id,
        message=message,
        recipients=recipients,
        once_key=f"event:{event.id}",
    )
    return len(admins)


def _message(notice: Notice) -> Message:
    lines = notice.lines[:MAX_LINES]
    if len(notice.lines) > MAX_LINES:
        lines.append(f"… and {len(notice.lines) - MAX_LINES} more")
    if notice.link:
        lines.append(f"See: {notice.link}")
    return Message(
        kind=notice.kind,
        subject=notice.subject,
        text="\n".join(lines),
        link=notice.link,
        data=notice.data,
    )


def _day(value: Any) -> str:
    day = date.fromisoformat(str(value))
    return f"{day:%a} {day.isoformat()}"


def _shift(names: Mapping[int, str], values: Mapping[str, Any]) -> str:
    name = names.get(int(values["shift_type_id"]), f"shift type {values['shift_type_id']}")
    screener = " (screener)" if values.get("is_screener") else ""
    return f"{name} on {_day(values['date'])}{screener}"


async def _shift_names(session: AsyncSession, actor: Actor, ids: set[int]) -> dict[int, str]:
    return {i: s.name for i, s in (await shift_service.get_many(session, actor, ids)).items()}


def _schedule_changes(batch: Sequence[DispatchedEvent]) -> list[tuple[int, str, dict[str, Any]]]:
    """(analyst id, added | removed | changed, the assignment's values) per change that
    matters to someone."""
    changes: list[tuple[int, str, dict[str, Any]]] = []
    for event in batch:
        data: dict[str, Any] = dict(event.payload.get("data") or {})
        if not {"analyst_id", "shift_type_id", "date"} <= data.keys():
            continue
        if event.type == EventType.SCHEDULE_CREATED:
            changes.append((int(data["analyst_id"]), "added", data))
        elif event.type == EventType.SCHEDULE_DELETED:
            changes.append((int(data["analyst_id"]), "removed", data))
        else:
            diff: Mapping[str, Any] = event.payload.get("changes") or {}
            if not any(name in diff for name in MATERIAL):
                continue
            before = {**data, **{name: change["old"] for name, change in diff.items()}}
            if "analyst_id" in diff:
                changes.append((int(before["analyst_id"]), "removed", before))
                changes.append((int(data["analyst_id"]), "added", data))
            else:
                changes.append((int(data["analyst_id"]), "changed", {**data, "before": before}))
    return changes


async def _schedule_notices(
    session: AsyncSession, actor: Actor, batch: Sequence[DispatchedEvent], base: str
) -> dict[int, Notice]:
    changes = _schedule_changes(batch)
    ids = {int(v["shift_type_id"]) for _, _, v in changes}
    ids |= {int(v["before"]["shift_type_id"]) for _, _, v in changes if "before" in v}
    names = await _shift_names(session, actor, ids)
    by_analyst: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for analyst_id, what, values in changes:
        by_analyst[analyst_id].append((what, values))
    notices: dict[int, Notice] = {}
    for analyst_id, items in by_analyst.items():
        days = sorted(str(v["date"]) for _, v in items)
        lines = []
        for what, values in items:
            if what == "changed":
                was = _shift(names, values["before"])
                lines.append(f"Changed: {was} → {_shift(names, values)}")
            else:
                lines.append(f"{what.title()}: {_shift(names, values)}")
        subject = (
            f"Your schedule changed: {lines[0]}"
            if len(lines) == 1
            else f"Your schedule changed: {len(lines)} shifts between {days[0]} and {days[-1]}"
        )
        notices[analyst_id] = Notice(
            kind="schedule.changed",
            subject=subject,
            lines=lines,
            link=f"{base}/calendar?date={days[0]}&analyst={analyst_id}",
            data={
                "changes": [
                    {
                        "change": what,
                        "assignment_id": values.get("id"),
                        "date": str(values["date"]),
                        "shift_type_id": values["shift_type_id"],
                    }
                    for what, values in items
                ]
            },
        )
    return notices


async def _roster_notices(
    session: AsyncSession, actor: Actor, event: DispatchedEvent, base: str
) -> dict[int, Notice]:
    if event.resource_id is None:
        return {}
    try:
        job = await generation_service.get_job(session, actor, event.resource_id)
    except NotFound:
        return {}
    rows = [row for row in (job.solution or {}).get("assignments", []) if isinstance(row, dict)]
    names = await _shift_names(session, actor, {int(row["shift_type_id"]) for row in rows})
    by_analyst: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: (str(row["date"]), int(row["shift_type_id"]))):
        by_analyst[int(row["analyst_id"])].append(row)
    period = f"{job.start.isoformat()} – {job.end.isoformat()}"
    return {
        analyst_id: Notice(
            kind="roster.applied",
            subject=f"New roster for {period}: you have {len(shifts)} shift"
            + ("s" if len(shifts) != 1 else ""),
            lines=[f"The roster for {period} was applied. Your shifts:"]
            + [_shift(names, row) for row in shifts],
            link=f"{base}/calendar?date={job.start}&analyst={analyst_id}",
            data={"job_id": job.id, "start": str(job.start), "end": str(job.end)},
        )
        for analyst_id, shifts in by_analyst.items()
    }


async def _decision_notices(
    session: AsyncSession, actor: Actor, event: DispatchedEvent, base: str
) -> dict[int, Notice]:
    data: Mapping[str, Any] = event.payload.get("data") or {}
    if "analyst_id" not in data:
        return {}
    verdict = "approved" if event.type.endswith(".approved") else "rejected"
    analyst_id = int(data["analyst_id"])
    if event.type.startswith("absence."):
        period = f"{_day(data['start_date'])} – {_day(data['end_date'])}"
        note = str(data.get("decision_note") or "")
        notice = Notice(
            kind="absence.decided",
            subject=f"Your absence ({data.get('kind', 'absence')}) {period} was {verdict}",
            lines=[f"Your {data.get('kind', 'absence')} request for {period} was {verdict}."]
            + ([f"Note: {note}"] if note else []),
            link=f"{base}/my",
            data={"absence_id": event.resource_id, "status": verdict},
        )
    else:
        shift_type_id = data.get("shift_type_id")
        names = await _shift_names(session, actor, {int(shift_type_id)} if shift_type_id else set())
        shift = f" ({names.get(int(shift_type_id), '')})" if shift_type_id else ""
        wish = "to work" if data.get("kind") == "on" else "to be off"
        notice = Notice(
            kind="shift_request.decided",
            subject=f"Your request {wish} on {_day(data['date'])}{shift} was {verdict}",
            lines=[f"Your request {wish} on {_day(data['date'])}{shift} was {verdict}."],
            link=f"{base}/my",
            data={"shift_request_id": event.resource_id, "status": verdict},
        )
    return {analyst_id: notice}
