"""The app's shell: sign in, the navigation each role gets, a reload that keeps the
session, sign out, the page a lapsed session shows, and the headers the pages carry."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.web.conftest import ADMIN_EMAIL, ANALYST_EMAIL, LEAD_EMAIL, Screenshots, Site, sign_in


def test_a_wrong_password_is_refused_on_the_form(new_page: Any, screenshot: Screenshots) -> None:
    page = new_page()
    page.goto("/")
    page.get_by_label("Email").fill(LEAD_EMAIL)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or password is wrong")
    screenshot(page, "refused")


def test_each_role_sees_its_own_navigation(new_page: Any, screenshot: Screenshots) -> None:
    planners = [
        "Schedule",
        "My shifts",
        "Approvals",
        "Generate",
        "Rules",
        "Calendar feeds",
        "Operations",
    ]
    expected = {
        ADMIN_EMAIL: planners,
        LEAD_EMAIL: planners,
        ANALYST_EMAIL: ["Schedule", "My shifts", "Calendar feeds", "Operations"],
    }
    for email, links in expected.items():
        page = new_page()
        sign_in(page, email)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link")).to_have_text(links)
        screenshot(page, f"home-{email.split('@')[0]}")


def test_a_reload_keeps_the_session_and_sign_out_ends_it(new_page: Any) -> None:
    page = new_page()
    sign_in(page, LEAD_EMAIL, path="/calendar")
    page.reload()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to ShiftPlanner")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to ShiftPlanner")).to_be_visible()


def test_a_revoked_session_ends_with_a_clear_page(
    new_page: Any, site: Site, screenshot: Screenshots
) -> None:
    email = site.new_user("viewer")
    page = new_page()
    sign_in(page, email, path="/calendar")
    # Another place ends every sign-in of this user (an admin disables the account).
    with site.api() as api:
        user_id = next(
            u["id"]
            for u in api.get("/api/users", params={"limit": 500}).json()["items"]
            if u["email"] == email
        )
        api.patch(f"/api/users/{user_id}", json={"is_active": False}).raise_for_status()
    # The page learns it at its next request: one it makes on its own (the live stream's
    # reconnect, the bell's count) or the one a click makes; either way, no reload.
    with contextlib.suppress(PlaywrightError):
        page.get_by_role("link", name="Calendar feeds").click(timeout=3_000)
    expect(page.get_by_role("heading", name="Sign in to ShiftPlanner")).to_be_visible()
    expect(page.get_by_text("Your session ended")).to_be_visible()
    screenshot(page, "ended")


def test_pages_carry_a_strict_policy_and_assets_are_cached_for_good(site: Site) -> None:
    page = httpx.get(f"{site.url}/calendar")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-cache"
    script = next(
        part
        for part in page.text.split('"')
        if part.startswith("/assets/") and part.endswith(".js")
    )
    asset = httpx.get(f"{site.url}{script}")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "<script>" not in page.text
    assert "style=" not in page.text
