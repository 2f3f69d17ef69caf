"""The schedule calendar in the browser: a team lead's week, moves by drag and by
keyboard with their warnings and refusals, a stale edit from a second manager, the month
view of a large team (its render time is printed), and the page at 360 px.

Each test that writes arranges a team of its own through the API, so tests sharing the
server never touch each other's cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import ADMIN_EMAIL, ANALYST_EMAIL, LEAD_EMAIL, Screenshots, Site, sign_in

LONDON = ZoneInfo("Europe/London")
DAY = {"name": "DAY", "start_time": "09:00", "end_time": "17:00", "required_headcount": 1}
NIGHT = {"name": "NIGHT", "start_time": "23:00", "end_time": "07:00", "required_headcount": 1}


def today_in_london() -> date:
    return datetime.now(LONDON).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Roster:
    """A team of the test's own: its shift types and analysts by name."""

    site: Site
    team_id: int
    shifts: dict[str, int] = field(default_factory=dict)
    analysts: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/calendar?team={self.team_id}"

    def book(self, analyst: str, shift: str, day: date, **extra: Any) -> dict[str, Any]:
        with self.site.api() as api:
            answer = api.post(
                "/api/schedules",
                json={
                    "analyst_id": self.analysts[analyst],
                    "shift_type_id": self.shifts[shift],
                    "date": day.isoformat(),
                    **extra,
                },
            )
            answer.raise_for_status()
            booked: dict[str, Any] = answer.json()
            return booked

    def assignment(self, assignment_id: int) -> dict[str, Any]:
        with self.site.api() as api:
            answer = api.get(f"/api/schedules/{assignment_id}")
            answer.raise_for_status()
            found: dict[str, Any] = answer.json()
            return found

    def cell(self, page: Page, analyst: str, day: date) -> Locator:
        return page.locator(
            f'td[data-analyst="{self.analysts[analyst]}"][data-date="{day.isoformat()}"]'
        )


def make_roster(
    site: Site,
    analysts: list[str],
    shifts: list[dict[str, Any]],
    *,
    skills: list[str] | None = None,
) -> Roster:
    """A new team in London's time zone with these shift types and analysts."""
    team = site.new_team("Team")
    roster = Roster(site=site, team_id=team["id"])
    for shift in shifts:
        roster.shifts[shift["name"]] = site.create(
            "/api/shift-types", {**shift, "team_id": roster.team_id}
        )["id"]
    for name in analysts:
        roster.analysts[name] = site.new_analyst(team, name, skills=skills or ["triage"])["id"]
    return roster


def open_calendar(page: Page, path: str) -> None:
    page.goto(path)
    page.get_by_role("grid").wait_for()


@pytest.fixture
def lead_page(new_page: Any) -> Page:
    """The team lead, signed in on the calendar."""
    page: Page = new_page()
    sign_in(page, LEAD_EMAIL, path="/calendar")
    return page


def test_the_lead_sees_this_weeks_london_roster(
    lead_page: Page, site: Site, screenshot: Screenshots
) -> None:
    page = lead_page
    grid = page.get_by_role("grid")
    expect(page.get_by_role("heading", name="Schedule — London")).to_be_visible()
    expect(page.get_by_text("Europe/London", exact=True)).to_be_visible()
    monday = monday_of(today_in_london())
    with site.api(LEAD_EMAIL) as api:
        teams = api.get("/api/teams").json()["items"]
        london = next(t["id"] for t in teams if t["code"] == "LDN")
        shifts = {
            s["id"]: s["name"]
            for s in api.get("/api/shift-types", params={"team_id": london}).json()["items"]
        }
        week = api.get(
            "/api/schedules",
            params={
                "team_id": london,
                "start": monday.isoformat(),
                "end": (monday + timedelta(days=6)).isoformat(),
                "limit": 500,
            },
        ).json()["items"]
    assert week, "the demo schedules this week"
    # Every booking of the week is in its analyst's cell, by its shift's name.
    for booking in week:
        cell = page.locator(
            f'td[data-analyst="{booking["analyst_id"]}"][data-date="{booking["date"]}"]'
        )
        expect(cell).to_contain_text(shifts[booking["shift_type_id"]])
    expect(grid.get_by_role("rowheader", name="Alice Moreau")).to_be_visible()
    today = grid.locator('th[aria-current="date"]')
    expect(today).to_contain_text("Today")
    expect(grid.get_by_role("columnheader")).to_have_count(8)
    # Coverage per shift type and day, assigned against required.
    expect(grid.locator("td.cal-cover").first).to_contain_text("/")
    screenshot(page, "week")

    page.get_by_role("button", name="Month", exact=True).click()
    expect(page).to_have_url(f"{site.url}/calendar?view=month")
    first = today_in_london().replace(day=1)
    expect(grid.locator(f'td[data-date="{first.isoformat()}"]').first).to_be_attached()
    page.reload()
    expect(page.get_by_role("button", name="Month", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    days_in_month = ((first + timedelta(days=32)).replace(day=1) - first).days
    expect(page.get_by_role("grid").get_by_role("columnheader")).to_have_count(days_in_month + 1)
    screenshot(page, "month")

    # London takes Christmas off: the day's header says so, and nothing is required.
    christmas = date(first.year, 12, 25)
    open_calendar(page, f"/calendar?view=month&date={christmas.isoformat()}")
    holiday = grid.locator(".cal-day", has_text="Christmas Day")
    expect(holiday).to_have_count(1)
    holiday.scroll_into_view_if_needed()
    screenshot(page, "holiday", full_page=False)

    # Filters narrow the grid, and the address keeps them.
    open_calendar(page, "/calendar")
    night = next(i for i, n in shifts.items() if n == "NIGHT")
    page.get_by_label("Shift type").select_option(label="NIGHT")
    expect(page).to_have_url(f"{site.url}/calendar?shift={night}")
    names = grid.locator("[data-assignment] .chip__name")
    expect(names.first).to_be_visible()
    assert set(names.all_inner_texts()) == {"NIGHT"}
    page.get_by_label("Analyst", exact=True).select_option(label="Alice Moreau")
    expect(grid.locator('td[data-analyst][data-c="0"]')).to_have_count(1)
    expect(grid.locator('td[data-shift-id][data-c="0"]')).to_have_count(1)
    page.reload()
    expect(grid.get_by_role("rowheader", name="Alice Moreau")).to_be_visible()
    expect(grid.get_by_role("rowheader", name="Ben Okafor")).to_have_count(0)
    expect(page.get_by_label("Shift type")).to_have_value(str(night))


def test_a_move_warns_a_hard_conflict_is_refused_and_a_move_back_fixes_it(
    lead_page: Page, site: Site, screenshot: Screenshots
) -> None:
    roster = make_roster(site, ["Ada", "Bo"], [DAY, NIGHT])
    monday = monday_of(today_in_london()) + timedelta(days=7)
    tuesday, thursday = monday + timedelta(days=1), monday + timedelta(days=3)
    roster.book("Ada", "NIGHT", monday)
    day_shift = roster.book("Bo", "DAY", tuesday)
    thursday_shift = roster.book("Bo", "DAY", thursday)
    with site.api() as api:
        absence = api.post(
            "/api/absences",
            json={
                "analyst_id": roster.analysts["Ada"],
                "start_date": thursday.isoformat(),
                "end_date": thursday.isoformat(),
                "kind": "vacation",
            },
        )
        absence.raise_for_status()
        api.post(f"/api/absences/{absence.json()['id']}/approve").raise_for_status()

    page = lead_page
    open_calendar(page, f"{roster.url}&date={monday.isoformat()}")
    expect(roster.cell(page, "Ada", thursday)).to_contain_text("Vacation")

    # Ada's night ends at 07:00 on Tuesday: Bo's day shift moved to her rests her 2 hours.
    chip = roster.cell(page, "Bo", tuesday).locator("[data-assignment]")
    chip.drag_to(roster.cell(page, "Ada", tuesday))
    notice = page.locator(".cal-notices").get_by_role("alert")
    expect(notice).to_contain_text("Moved DAY")
    expect(notice).to_contain_text("warning")
    expect(notice).to_contain_text("rests 2 h")
    moved = roster.cell(page, "Ada", tuesday)
    expect(moved).to_contain_text("DAY")
    expect(moved.locator(".cal-marker--warning")).to_be_visible()
    description = moved.get_attribute("aria-describedby")
    assert description is not None
    expect(page.locator(f"#{description}")).to_contain_text("rests 2 h between NIGHT")
    panel = page.get_by_role("region", name="Conflicts")
    expect(panel).to_contain_text("Short rest")
    panel.get_by_role("listitem").filter(has_text="Short rest").get_by_role("button").click()
    expect(moved).to_be_focused()
    expect(roster.cell(page, "Bo", tuesday)).not_to_contain_text("DAY")
    assert roster.assignment(day_shift["id"])["analyst_id"] == roster.analysts["Ada"]

    # Ada is away on Thursday: giving her Bo's shift is refused, with the reason.
    roster.cell(page, "Bo", thursday).locator("[data-assignment]").drag_to(
        roster.cell(page, "Ada", thursday)
    )
    expect(notice).to_contain_text("Not moved")
    expect(notice).to_contain_text("is absent")
    refused = roster.cell(page, "Ada", thursday)
    expect(refused).to_contain_text("Refused")
    expect(refused.locator("[data-assignment]")).to_have_count(0)
    expect(roster.cell(page, "Bo", thursday)).to_contain_text("DAY")
    screenshot(page, "refused")
    after = roster.assignment(thursday_shift["id"])
    assert (after["analyst_id"], after["version"]) == (roster.analysts["Bo"], 1)

    # The fix: the shift back to Bo, and Ada's short rest is gone.
    roster.cell(page, "Ada", tuesday).locator("[data-assignment]").drag_to(
        roster.cell(page, "Bo", tuesday)
    )
    expect(page.locator(".cal-notices")).to_contain_text("Moved DAY")
    expect(roster.cell(page, "Bo", tuesday)).to_contain_text("DAY")
    expect(roster.cell(page, "Ada", tuesday).locator(".cal-marker")).to_have_count(0)
    expect(panel).not_to_contain_text("Short rest")
    assert roster.assignment(day_shift["id"])["analyst_id"] == roster.analysts["Bo"]


def test_a_stale_edit_is_told_and_shows_the_other_managers_change(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    roster = make_roster(site, ["Cy"], [DAY, NIGHT])
    wednesday = monday_of(today_in_london()) + timedelta(days=9)
    booked = roster.book("Cy", "DAY", wednesday)
    path = f"{roster.url}&date={wednesday.isoformat()}"
    first, second = new_page(), new_page()
    sign_in(first, LEAD_EMAIL, path=path)
    sign_in(second, ADMIN_EMAIL, path=path)
    for page in (first, second):
        page.get_by_role("grid").wait_for()

    # A opens the shift; B changes it meanwhile.
    roster.cell(first, "Cy", wednesday).click()
    dialog_a = first.get_by_role("dialog")
    expect(dialog_a.get_by_label("Shift type")).to_have_value(str(roster.shifts["DAY"]))
    roster.cell(second, "Cy", wednesday).click()
    dialog_b = second.get_by_role("dialog")
    dialog_b.get_by_label("Shift type").select_option(label="NIGHT (23:00–07:00)")
    dialog_b.get_by_role("button", name="Save changes").click()
    expect(dialog_b).to_be_hidden()
    expect(roster.cell(second, "Cy", wednesday)).to_contain_text("NIGHT")

    # A saves what they read: told, shown B's version, nothing overwritten.
    dialog_a.get_by_label("Note").fill("A's note")
    dialog_a.get_by_role("button", name="Save changes").click()
    expect(dialog_a.get_by_role("alert")).to_contain_text("changed by someone else")
    expect(dialog_a.get_by_label("Shift type")).to_have_value(str(roster.shifts["NIGHT"]))
    expect(dialog_a.get_by_label("Note")).to_have_value("")
    expect(roster.cell(first, "Cy", wednesday)).to_contain_text("NIGHT")
    screenshot(first, "stale")
    stored = roster.assignment(booked["id"])
    assert (stored["shift_type_id"], stored["note"], stored["version"]) == (
        roster.shifts["NIGHT"],
        "",
        2,
    )

    # Made again on the version now shown, A's change goes through.
    dialog_a.get_by_label("Note").fill("A's note")
    dialog_a.get_by_role("button", name="Save changes").click()
    expect(dialog_a).to_be_hidden()
    stored = roster.assignment(booked["id"])
    assert (stored["shift_type_id"], stored["note"], stored["version"]) == (
        roster.shifts["NIGHT"],
        "A's note",
        3,
    )


def test_another_managers_change_appears_without_a_reload(lead_page: Page, site: Site) -> None:
    roster = make_roster(site, ["Fay"], [DAY])
    friday = monday_of(today_in_london()) + timedelta(days=11)
    page = lead_page
    open_calendar(page, f"{roster.url}&date={friday.isoformat()}")
    cell = roster.cell(page, "Fay", friday)
    expect(cell.locator("[data-assignment]")).to_have_count(0)
    booked = roster.book("Fay", "DAY", friday, note="Booked elsewhere")
    expect(cell).to_contain_text("DAY", timeout=10_000)
    with site.api() as api:
        api.delete(
            f"/api/schedules/{booked['id']}", headers={"If-Match": f'"{booked["version"]}"'}
        ).raise_for_status()
    expect(cell.locator("[data-assignment]")).to_have_count(0, timeout=10_000)


def test_the_keyboard_adds_and_moves_a_shift(
    lead_page: Page, site: Site, screenshot: Screenshots
) -> None:
    roster = make_roster(site, ["Dee", "Eli"], [DAY])
    monday = monday_of(today_in_london()) + timedelta(days=14)
    wednesday, thursday = monday + timedelta(days=2), monday + timedelta(days=3)
    page = lead_page
    open_calendar(page, f"{roster.url}&date={monday.isoformat()}")

    # From the last filter, Tab reaches the grid's one focusable cell.
    page.get_by_label("Analyst", exact=True).focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-r')"):
            break
    first = page.locator('td[data-r="0"][data-c="0"]')
    expect(first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(roster.cell(page, "Dee", wednesday)).to_be_focused()
    # One cell in the tab order (roving tabindex), exposed as a grid cell.
    expect(page.locator('td[data-r][tabindex="0"]')).to_have_count(1)
    expect(page.get_by_role("grid").get_by_role("gridcell").first).to_be_attached()

    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Dee")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Locked (generation keeps it)").check()
    dialog.get_by_label("Note").fill("Cover for the audit")
    screenshot(page, "dialog")
    dialog.get_by_role("button", name="Add shift").press("Enter")
    expect(dialog).to_be_hidden()
    cell = roster.cell(page, "Dee", wednesday)
    expect(cell).to_be_focused()  # back where the dialog was opened
    expect(cell).to_contain_text("DAY")
    expect(cell).to_contain_text("locked")
    with site.api() as api:
        items = api.get(
            "/api/schedules",
            params={
                "team_id": roster.team_id,
                "start": monday.isoformat(),
                "end": thursday.isoformat(),
            },
        ).json()["items"]
    assert [(a["analyst_id"], a["date"], a["is_locked"], a["note"]) for a in items] == [
        (roster.analysts["Dee"], wednesday.isoformat(), True, "Cover for the audit")
    ]

    # M picks the shift up, the arrows carry it, Enter puts it down.
    page.keyboard.press("m")
    expect(page.locator(".cal-lifted")).to_contain_text("Moving DAY")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(roster.cell(page, "Eli", thursday)).to_contain_text("DAY")
    expect(cell.locator("[data-assignment]")).to_have_count(0)
    moved = roster.assignment(items[0]["id"])
    assert (moved["analyst_id"], moved["date"]) == (roster.analysts["Eli"], thursday.isoformat())

    # Enter on the shift's new cell, and it is removed (after a confirmation).
    target = roster.cell(page, "Eli", thursday)
    expect(target).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Eli")
    dialog.get_by_role("button", name="Remove shift").click()
    dialog.get_by_role("button", name="Yes, remove it").click()
    expect(dialog).to_be_hidden()
    expect(target.locator("[data-assignment]")).to_have_count(0)
    expect(page.locator(".cal-notices")).to_contain_text("Removed DAY")
    with site.api() as api:
        assert api.get(f"/api/schedules/{items[0]['id']}").status_code == 404


def test_analysts_see_the_roster_read_only(new_page: Any) -> None:
    page = new_page()
    sign_in(page, ANALYST_EMAIL, path="/calendar")
    grid = page.get_by_role("grid")
    expect(grid.locator("[data-assignment]").first).to_be_visible()
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(grid.locator('[draggable="true"]')).to_have_count(0)
    grid.locator("td[data-analyst]").first.click()
    grid.locator("td[data-analyst]").first.press("Enter")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_month_of_fifty_analysts_renders_every_row(
    lead_page: Page, site: Site, screenshot: Screenshots, record_property: Any
) -> None:
    early = {"name": "EARLY", "start_time": "07:00", "end_time": "15:00", "required_headcount": 18}
    late = {"name": "LATE", "start_time": "15:00", "end_time": "23:00", "required_headcount": 18}
    names = [f"A{n:02d}" for n in range(50)]
    roster = make_roster(site, names, [early, late])
    first = today_in_london().replace(day=1)
    days = [
        first + timedelta(days=n)
        for n in range(31)
        if (first + timedelta(days=n)).month == first.month
    ]
    items = [
        {
            "analyst_id": roster.analysts[name],
            "shift_type_id": roster.shifts["EARLY" if index % 2 == 0 else "LATE"],
            "date": day.isoformat(),
        }
        for index, name in enumerate(names)
        for offset, day in enumerate(days)
        if (offset + index) % 7 < 5
    ]
    with site.api() as api:
        for start in range(0, len(items), 1000):
            api.post(
                "/api/schedules/bulk", json={"items": items[start : start + 1000]}, timeout=120
            ).raise_for_status()

    page = lead_page
    open_calendar(page, f"{roster.url}&view=month&date={first.isoformat()}")
    grid = page.get_by_role("grid")
    expect(grid.locator('td[data-analyst][data-c="0"]')).to_have_count(50)
    expect(grid.locator("[data-assignment]")).to_have_count(len(items))
    durations: list[float] = page.evaluate(
        "performance.getEntriesByName('calendar-render').map((e) => e.duration)"
    )
    assert durations, "the grid's render is measured"
    # The first entry is the whole grid's first render; later ones (a live update) are
    # the rows that changed.
    record_property("calendar_render_ms", durations[0])
    print(
        f"\ncalendar-render ({site.backend}): 50 analysts x {len(days)} days, "
        f"{len(items)} assignments: {durations[0]:.1f} ms"
    )
    screenshot(page, "fifty", full_page=False)


def test_the_week_fits_a_narrow_screen(new_page: Any, site: Site, screenshot: Screenshots) -> None:
    page = new_page(width=360, height=780)
    sign_in(page, LEAD_EMAIL, path="/calendar")
    grid = page.get_by_role("grid")
    grid.locator("[data-assignment]").first.wait_for()
    # The grid scrolls in its own box; the page does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    scroller = page.locator(".cal-scroll")
    assert scroller.evaluate("(el) => el.scrollWidth > el.clientWidth")
    name = grid.get_by_role("rowheader", name="Alice Moreau")
    before = name.bounding_box()
    scroller.evaluate("(el) => { el.scrollLeft = 400; }")
    after = name.bounding_box()
    assert before is not None
    assert after is not None
    assert after["x"] == pytest.approx(before["x"], abs=1), "the analyst column stays put"
    scroller.evaluate("(el) => { el.scrollLeft = 0; }")
    screenshot(page, "narrow")


def test_the_dialog_names_the_skill_a_shift_covers(
    lead_page: Page, new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    roster = make_roster(site, ["Gil", "Hal"], [DAY])
    with site.api() as api:
        api.patch(
            f"/api/analysts/{roster.analysts['Hal']}", json={"skills": ["screener"]}
        ).raise_for_status()
    tuesday = monday_of(today_in_london()) + timedelta(days=15)
    page = lead_page
    open_calendar(page, f"{roster.url}&date={tuesday.isoformat()}")

    # Added covering one of the analyst's skills: stored, and shown on the shift.
    cell = roster.cell(page, "Gil", tuesday)
    cell.click()
    dialog = page.get_by_role("dialog", name="Gil")
    skill = dialog.get_by_label("Skill covered")
    expect(skill).to_have_value("")
    skill.select_option("triage")
    screenshot(page, "skill-dialog")
    dialog.get_by_role("button", name="Add shift").click()
    expect(dialog).to_be_hidden()
    expect(cell.locator("[data-assignment]")).to_contain_text("triage")
    screenshot(page, "skill-cell", full_page=False)
    with site.api() as api:
        [booked] = api.get(
            "/api/schedules",
            params={
                "team_id": roster.team_id,
                "start": tuesday.isoformat(),
                "end": tuesday.isoformat(),
            },
        ).json()["items"]
    assert (booked["analyst_id"], booked["skill"]) == (roster.analysts["Gil"], "triage")

    # Moved to an analyst without the skill: the API's refusal shows by the skill.
    cell.click()
    dialog = page.get_by_role("dialog", name="Gil")
    dialog.get_by_label("Analyst", exact=True).select_option(str(roster.analysts["Hal"]))
    dialog.get_by_role("button", name="Save changes").click()
    expect(skill).to_have_accessible_description(re.compile("does not have the skill 'triage'"))
    screenshot(page, "skill-refused")
    skill.select_option(label="No particular skill")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_be_hidden()
    expect(roster.cell(page, "Hal", tuesday)).to_contain_text("DAY")
    moved = roster.assignment(booked["id"])
    assert (moved["analyst_id"], moved["skill"]) == (roster.analysts["Hal"], None)

    # At 360 px the dialog's fields, the skill among them, fit the screen.
    narrow: Page = new_page(width=360, height=780)
    sign_in(narrow, LEAD_EMAIL, path=f"{roster.url}&date={tuesday.isoformat()}")
    roster.cell(narrow, "Hal", tuesday).click()
    skill = narrow.get_by_role("dialog", name="Hal").get_by_label("Skill covered")
    expect(skill).to_have_value("")
    box = skill.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 360
    screenshot(narrow, "skill-dialog-narrow", full_page=False)
