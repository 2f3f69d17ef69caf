"""The Rules page: coverage, contracts, team settings, succession bans, holidays and
blackouts, each a list and a form that saves through the API and shows the API's
refusals next to the fields they are about. Each test works on a team of its own."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.web.conftest import ADMIN_EMAIL, LEAD_EMAIL, Screenshots, Site, sign_in

TIMEZONE = "Europe/London"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def new_team(site: Site) -> dict[str, Any]:
    """A team with an Early shift on weekdays, a Night every day, and two analysts."""
    team = site.new_team("Rules", timezone=TIMEZONE)
    early = site.create(
        "/api/shift-types",
        {
            "team_id": team["id"],
            "name": "Early",
            "start_time": "07:00",
            "end_time": "15:00",
            "days_of_week": WEEKDAYS,
            "required_headcount": 2,
        },
    )
    night = site.create(
        "/api/shift-types",
        {
            "team_id": team["id"],
            "name": "Night",
            "start_time": "23:00",
            "end_time": "07:00",
            "required_headcount": 1,
        },
    )
    analysts = [site.new_analyst(team, name) for name in ("Kim", "Lou")]
    return {"team": team, "early": early, "night": night, "analysts": analysts}


def in_a_while(days: int) -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date() + timedelta(days=days)


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Rules").get_by_role("link", name=name).click()
    expect(
        page.get_by_role("navigation", name="Rules").get_by_role("link", name=name)
    ).to_have_attribute("aria-current", "page")


def test_rules_are_saved_through_the_forms_and_refusals_show_by_their_fields(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_team(site)
    team_id = crew["team"]["id"]
    early, night = crew["early"], crew["night"]
    page = new_page()
    sign_in(page, ADMIN_EMAIL, path=f"/rules?team={team_id}")
    expect(page.get_by_label("Team", exact=True)).to_have_value(str(team_id))

    # Coverage: a template for a day the shift type does not run is refused, and says so
    # by the weekday; an override for one date is saved and listed.
    page.get_by_label("Every week on a weekday (template)", exact=True).check()
    page.get_by_label("Shift type", exact=True).select_option(label="Early")
    page.get_by_label("Weekday", exact=True).select_option("sat")
    page.get_by_role("button", name="Add requirement").click()
    expect(page.get_by_label("Weekday", exact=True)).to_have_accessible_description(
        re.compile("Early does not run on sat")
    )
    screenshot(page, "coverage-refused")
    override = in_a_while(40)
    page.get_by_label("One date (override)", exact=True).check()
    page.get_by_label("Date", exact=True).fill(override.isoformat())
    page.get_by_label("Analysts required", exact=True).fill("3")
    page.get_by_label("Of them, screeners", exact=True).fill("0")
    page.get_by_role("button", name="Add requirement").click()
    expect(page.get_by_text("Requirement added.")).to_be_visible()
    overrides = page.get_by_role("region", name="Date overrides")
    expect(overrides.get_by_role("row", name=re.compile("Early"))).to_contain_text("3")
    screenshot(page, "coverage")
    with site.api() as api:
        [saved] = api.get(
            "/api/coverage-requirements", params={"shift_type_id": early["id"]}
        ).json()["items"]
    assert (saved["date"], saved["weekday"], saved["required"]) == (override.isoformat(), None, 3)

    # Holidays: empty fields are refused field by field; then one is added.
    open_tab(page, "Holidays")
    page.get_by_role("button", name="Add holiday").click()
    expect(page.get_by_label("Name", exact=True)).to_have_accessible_description(
        re.compile("at least 1 character")
    )
    expect(page.get_by_label("Date", exact=True)).to_have_accessible_description(
        re.compile("valid date")
    )
    screenshot(page, "holidays-refused")
    holiday = in_a_while(45)
    page.get_by_label("Name", exact=True).fill("Founders' Day")
    page.get_by_label("Date", exact=True).fill(holiday.isoformat())
    page.get_by_label("Every year on the same day", exact=True).check()
    page.get_by_role("button", name="Add holiday").click()
    expect(page.get_by_role("row", name=re.compile("Founders' Day"))).to_contain_text("Every year")
    screenshot(page, "holidays")
    with site.api() as api:
        holidays = api.get("/api/holidays", params={"team_id": team_id}).json()["items"]
    assert [(h["name"], h["date"], h["recurring"]) for h in holidays] == [
        ("Founders' Day", holiday.isoformat(), True)
    ]

    # Team settings: out of range is refused by the field; then saved.
    open_tab(page, "Team settings")
    window = page.get_by_label("Fairness window (days)", exact=True)
    window.fill("999")
    page.get_by_role("button", name="Save settings").click()
    expect(window).to_have_accessible_description(re.compile("less than or equal to 366"))
    window.fill("28")
    page.get_by_label("Spread of nights worked", exact=True).fill("35")
    page.get_by_label("Weekend shifts need screeners too", exact=True).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    screenshot(page, "settings")
    with site.api() as api:
        settings = api.get(f"/api/teams/{team_id}/schedule-settings").json()
    assert settings["fairness_window_days"] == 28
    assert settings["weights"]["fairness_nights"] == 35
    assert settings["screeners_on_weekends"] is True

    # Succession bans: no Early the morning after a Night.
    open_tab(page, "Shift sequences")
    page.get_by_label("After a shift of", exact=True).select_option(label="Night (23:00–07:00)")
    page.get_by_label("Not the next day", exact=True).select_option(label="Early (07:00–15:00)")
    page.get_by_role("button", name="Add ban").click()
    expect(page.get_by_role("row", name=re.compile(r"Night \(23:00–07:00\)"))).to_contain_text(
        "Early (07:00–15:00)"
    )
    screenshot(page, "succession")
    with site.api() as api:
        assert api.get(f"/api/shift-types/{night['id']}").json()["forbidden_next_ids"] == [
            early["id"]
        ]

    # Contracts: a least above its most is refused by the field; then saved.
    analyst = crew["analysts"][0]
    open_tab(page, "Contracts")
    page.get_by_role("button", name=f"Edit {analyst['name']}'s contract").click()
    least = page.get_by_label("Least minutes in a planned period", exact=True)
    least.fill("600")
    page.get_by_label("Most minutes in a planned period", exact=True).fill("100")
    page.get_by_role("button", name="Save contract").click()
    expect(least).to_have_accessible_description(
        re.compile(r"min_minutes \(600\) exceeds max_minutes \(100\)")
    )
    screenshot(page, "contracts-refused")
    page.get_by_label("Most minutes in a planned period", exact=True).fill("9600")
    page.get_by_label("Night", exact=True).fill("4")
    page.get_by_role("button", name="Save contract").click()
    expect(page.get_by_text(f"{analyst['name']}'s contract saved.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(analyst["name"]))).to_contain_text(
        "at most 4 × Night"
    )
    screenshot(page, "contracts")
    with site.api() as api:
        contract = api.get(f"/api/analysts/{analyst['id']}").json()["contract"]
    assert (contract["min_minutes"], contract["max_minutes"]) == (600, 9600)
    assert contract["max_shifts_per_type"] == {str(night["id"]): 4}

    # Blackouts: one for an analyst, listed with the team's.
    open_tab(page, "Blackouts")
    start = in_a_while(50)
    page.get_by_label("For", exact=True).select_option(label=analyst["name"])
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill((start + timedelta(days=2)).isoformat())
    page.get_by_label("Reason", exact=True).fill("Audit week")
    page.get_by_role("button", name="Add blackout").click()
    expect(page.get_by_role("row", name=re.compile(analyst["name"]))).to_contain_text("Audit week")
    screenshot(page, "blackouts")
    with site.api() as api:
        blackouts = api.get("/api/blackout-dates", params={"analyst_id": analyst["id"]}).json()
    assert [(b["start_date"], b["reason"]) for b in blackouts["items"]] == [
        (start.isoformat(), "Audit week")
    ]


def test_an_edit_and_a_delete_go_through_and_a_manager_sees_admin_rules_read_only(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_team(site)
    team_id = crew["team"]["id"]
    day = in_a_while(60)
    with site.api() as api:
        api.post(
            "/api/holidays", json={"team_id": team_id, "name": "Old name", "date": day.isoformat()}
        ).raise_for_status()
        api.post(
            "/api/coverage-requirements",
            json={"shift_type_id": crew["night"]["id"], "weekday": "sun", "required": 2},
        ).raise_for_status()

    # A manager: coverage is theirs to change (delete a template), holidays only to see.
    page = new_page()
    sign_in(page, LEAD_EMAIL, path=f"/rules/coverage?team={team_id}")
    templates = page.get_by_role("region", name="Weekly templates")
    expect(templates.get_by_role("row", name=re.compile("Sunday"))).to_contain_text("Night")
    templates.get_by_role("button", name="Delete Sunday Night").click()
    page.get_by_role("dialog", name="Delete this requirement?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(templates.get_by_text("No weekly templates yet.")).to_be_visible()
    with site.api() as api:
        assert (
            api.get(
                "/api/coverage-requirements", params={"shift_type_id": crew["night"]["id"]}
            ).json()["items"]
            == []
        )
    open_tab(page, "Holidays")
    expect(page.get_by_role("row", name=re.compile("Old name"))).to_be_visible()
    expect(page.get_by_text("Only an administrator can change holidays")).to_be_visible()
    expect(page.get_by_role("button", name="Add holiday")).to_have_count(0)
    screenshot(page, "holidays-manager")

    # An administrator renames the holiday.
    admin = new_page()
    sign_in(admin, ADMIN_EMAIL, path=f"/rules/holidays?team={team_id}")
    admin.get_by_role("button", name="Edit Old name").click()
    admin.get_by_label("Name", exact=True).fill("New name")
    admin.get_by_role("button", name="Save holiday").click()
    expect(admin.get_by_role("row", name=re.compile("New name"))).to_be_visible()
    with site.api() as api:
        [holiday] = api.get("/api/holidays", params={"team_id": team_id}).json()["items"]
    assert (holiday["name"], holiday["date"]) == ("New name", day.isoformat())
    narrow = new_page(width=360, height=800)
    sign_in(narrow, ADMIN_EMAIL, path=f"/rules/coverage?team={team_id}")
    expect(narrow.get_by_role("heading", name="Add a requirement")).to_be_visible()
    screenshot(narrow, "narrow")


def test_skill_needs_complete_weekends_and_runs_of_a_shift_type_are_saved_and_refused_by_field(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    crew = new_team(site)
    team_id = crew["team"]["id"]
    early, night = crew["early"], crew["night"]
    site.new_analyst(crew["team"], "Max", skills=["triage", "screener"])
    analyst = crew["analysts"][0]
    with site.api() as api:
        api.patch(
            f"/api/analysts/{analyst['id']}", json={"contract": {"max_weekends": 2}}
        ).raise_for_status()
    page = new_page()
    sign_in(page, ADMIN_EMAIL, path=f"/rules/coverage?team={team_id}")

    # Coverage: a skill need named against the rules for skill names is refused by its
    # field; named as analysts' skills are (offered from the team's), it is saved.
    page.get_by_label("Every week on a weekday (template)", exact=True).check()
    page.get_by_label("Shift type", exact=True).select_option(label="Early")
    page.get_by_label("Weekday", exact=True).select_option("mon")
    page.get_by_label("Analysts required", exact=True).fill("2")
    page.get_by_role("button", name="Add a skill need").click()
    first = page.get_by_role("group", name="Skill need 1")
    expect(first.get_by_label("Skill", exact=True)).to_be_focused()
    expect(page.locator("datalist option")).to_have_count(2)  # screener, triage
    page.keyboard.type("night owl")
    first.get_by_label("Wanted", exact=True).fill("2")
    page.get_by_role("button", name="Add requirement").click()
    expect(first.get_by_label("Skill", exact=True)).to_have_accessible_description(
        re.compile("a skill is 1 to 32 letters, digits")
    )
    expect(page.get_by_text("Not saved: see the message by the field.")).to_be_visible()
    screenshot(page, "coverage-skill-refused")
    first.get_by_label("Skill", exact=True).fill("triage")
    page.get_by_role("button", name="Add requirement").click()
    expect(page.get_by_text("Requirement added.")).to_be_visible()
    templates = page.get_by_role("region", name="Weekly templates")
    row = templates.get_by_role("row", name=re.compile("Monday"))
    expect(row).to_contain_text("triage")
    expect(row).to_contain_text("(2 wanted)")
    with site.api() as api:
        [saved] = api.get(
            "/api/coverage-requirements", params={"shift_type_id": early["id"]}
        ).json()["items"]
    assert saved["skills"] == [
        {"skill": "triage", "minimum": 1, "optimal": 2, "under_weight": None}
    ]

    # A second need's refusal shows by that need's field, not the first's.
    templates.get_by_role("button", name="Edit Monday Early").click()
    page.get_by_role("button", name="Add a skill need").click()
    second = page.get_by_role("group", name="Skill need 2")
    second.get_by_label("Skill", exact=True).fill("screener")
    second.get_by_label("Minimum", exact=True).fill("-1")
    second.get_by_label("Cost per analyst short", exact=True).fill("40")
    page.get_by_role("button", name="Save requirement").click()
    expect(second.get_by_label("Minimum", exact=True)).to_have_accessible_description(
        re.compile("greater than or equal to 0")
    )
    expect(first.get_by_label("Minimum", exact=True)).not_to_have_accessible_description(
        re.compile("greater than")
    )
    screenshot(page, "coverage-second-skill-refused")
    second.get_by_label("Minimum", exact=True).fill("1")
    page.get_by_role("button", name="Save requirement").click()
    expect(page.get_by_text("Requirement saved.")).to_be_visible()
    expect(row).to_contain_text("40 per analyst short")
    screenshot(page, "coverage-skills")
    with site.api() as api:
        assert api.get(f"/api/coverage-requirements/{saved['id']}").json()["skills"] == [
            {"skill": "screener", "minimum": 1, "optimal": 1, "under_weight": 40},
            {"skill": "triage", "minimum": 1, "optimal": 2, "under_weight": None},
        ]

    # Contracts: complete weekends is saved, and what was set before stays.
    open_tab(page, "Contracts")
    page.get_by_role("button", name=f"Edit {analyst['name']}'s contract").click()
    page.get_by_label("Both days of a weekend or neither", exact=True).check()
    screenshot(page, "contracts-complete-weekends")
    page.get_by_role("button", name="Save contract").click()
    expect(page.get_by_text(f"{analyst['name']}'s contract saved.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(analyst["name"]))).to_contain_text(
        "complete weekends"
    )
    with site.api() as api:
        contract = api.get(f"/api/analysts/{analyst['id']}").json()["contract"]
    assert (contract["complete_weekends"], contract["max_weekends"]) == (True, 2)

    # Runs of one shift type: a least above the most is refused by the field sent; then
    # saved; lowering the most alone below the least is refused by the most.
    open_tab(page, "Shift sequences")
    runs = page.get_by_role("region", name="Days in a row on one shift type")
    runs.get_by_role("button", name="Edit days in a row on Night").click()
    least = page.get_by_label("Fewest days in a row", exact=True)
    most = page.get_by_label("Most days in a row", exact=True)
    least.fill("3")
    most.fill("2")
    page.get_by_role("button", name="Save days in a row").click()
    expect(least).to_have_accessible_description(
        re.compile(r"min_consecutive \(3\) exceeds max_consecutive \(2\)")
    )
    screenshot(page, "runs-refused")
    most.fill("4")
    page.get_by_role("button", name="Save days in a row").click()
    expect(page.get_by_text("Night: days in a row saved.")).to_be_visible()
    expect(runs.get_by_role("row", name=re.compile("Night"))).to_contain_text("3 to 4 days")
    screenshot(page, "runs")
    runs.get_by_role("button", name="Edit days in a row on Night").click()
    most.fill("2")
    page.get_by_role("button", name="Save days in a row").click()
    expect(most).to_have_accessible_description(re.compile(r"exceeds max_consecutive \(2\)"))
    with site.api() as api:
        stored = api.get(f"/api/shift-types/{night['id']}").json()
        assert (stored["min_consecutive"], stored["max_consecutive"]) == (3, 4)
        assert api.get(f"/api/shift-types/{early['id']}").json()["max_consecutive"] is None

    # At 360 px: the skill needs and the runs read without a sideways scroll of the page.
    narrow = new_page(width=360, height=800)
    sign_in(narrow, ADMIN_EMAIL, path=f"/rules/coverage?team={team_id}")
    narrow.get_by_role("button", name="Edit Monday Early").click()
    expect(narrow.get_by_role("group", name="Skill need 2")).to_be_visible()
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(narrow, "coverage-skills-narrow")
    open_tab(narrow, "Shift sequences")
    narrow.get_by_role("button", name="Edit days in a row on Night").click()
    expect(narrow.get_by_label("Most days in a row", exact=True)).to_have_value("4")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(narrow, "runs-narrow")
