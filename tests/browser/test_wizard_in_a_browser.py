"""The wizard and the summary in Debian Chromium: with and without JavaScript, accessible, printable."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def axe_violations(page):
    return [(v["id"], v["impact"], v["help"]) for v in Axe().run(page).response["violations"]]


def choose(page, question, option):
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def fill_steps(page, *, check_each_step, on_arrival=lambda page: None):
    """Answer the three steps for a transient BME patient whose conservative care has stalled."""
    choose(page, "Has an MRI been done?", "Yes")
    choose(page, "Bone marrow edema on fluid-sensitive sequences?", "Yes")
    choose(page, "Site of the edema", "Hip")
    choose(page, "Sequences acquired", "STIR")
    choose(page, "Does the edema extend more than 1 cm from the articular surface?", "No")
    choose(page, "Dynamic contrast-enhanced MRI pattern", "DCE-MRI not done")
    choose(page, "Structural findings", "None")
    check_each_step(page)
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Step 2 of 3: Clinical context").wait_for()
    on_arrival(page)
    choose(page, "Clinical context", "Transient bone marrow edema syndrome")
    choose(page, "Severe pain?", "No")
    choose(page, "Vitamin D and calcium status", "Unknown")
    check_each_step(page)
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Step 3 of 3: Prior treatment").wait_for()
    on_arrival(page)
    choose(page, "Treatments already tried", "NSAIDs")
    choose(page, "Treatments already tried", "Protected weight bearing")
    page.get_by_label("Weeks of conservative treatment so far").fill("10")
    choose(page, "Response so far", "No change")
    check_each_step(page)
    page.get_by_role("button", name="Show the plan").click()
    page.get_by_role("heading", name="Pathway summary").wait_for()


def test_the_wizard_with_javascript_reveals_questions_in_place(live_server, first_edition, page):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    page.get_by_role("heading", name="Step 1 of 3: MRI findings").wait_for()
    assert not page.get_by_role("group", name="Site of the edema").is_visible()  # not asked yet
    page.evaluate("window.__sameDocument = true")  # lost on any full page load

    def check_each_step(page):
        assert page.evaluate("window.__sameDocument === true"), "expected htmx swaps, not page loads"
        assert axe_violations(page) == []

    def on_arrival(page):
        # After a swap, focus is on the new step's heading and the title names the step.
        heading = page.locator("[data-step-heading]")
        expect(heading).to_be_focused()  # (a string predicate would need eval, which the CSP forbids)
        assert heading.inner_text().split(": ", 1)[1] in page.title()

    choose(page, "Has an MRI been done?", "Yes")
    page.get_by_role("group", name="Site of the edema").wait_for(state="visible")
    assert not page.get_by_label("RAMRIS bone marrow edema score").is_visible()
    fill_steps(page, check_each_step=check_each_step, on_arrival=on_arrival)

    assert "Transient bone marrow edema syndrome" in page.locator(".headline").inner_text()
    assert page.get_by_text("Already tried:").count() >= 1
    assert axe_violations(page) == []
    assert page.csp_violations == []


def test_the_wizard_without_javascript_shows_every_question_with_its_hint(live_server, first_edition, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    site = page.get_by_role("group", name="Site of the edema")
    assert site.is_visible()
    assert "Asked when “Has an MRI been done?” is Yes." in site.inner_text()
    fill_steps(page, check_each_step=lambda page: None)
    assert "Transient bone marrow edema syndrome" in page.locator(".headline").inner_text()
    assert not page.get_by_role("button", name="Copy note").is_visible()  # needs JavaScript
    context.close()


def test_the_summary_at_360_px_copies_a_note_with_the_permalink(live_server, first_edition, browser):
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    fill_steps(page, check_each_step=lambda page: None)

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "summary-360.png", full_page=True)

    page.get_by_role("button", name="Copy note").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    note = page.evaluate("navigator.clipboard.readText()")
    assert f"Permalink: {page.url}" in note
    assert "Transient bone marrow edema syndrome" in note and "Consider a single dose of denosumab" in note

    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Edit answers").is_visible()
    # Printed, the treatments already tried still read as tried, in the edition's own wording for that.
    assert page.get_by_role("heading", name="Already tried", exact=True).is_visible()
    tried = page.locator(".plan-tried")
    assert "Already tried: NSAIDs, Protected weight bearing" in tried.inner_text()
    assert tried.locator(".tried-text").first.is_visible()
    assert "have already been tried" in tried.inner_text()
    context.close()


def test_the_patient_version_and_the_why_disclosure(live_server, first_edition, page):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    fill_steps(page, check_each_step=lambda page: None)
    why = page.locator("details.why").first
    why.locator("summary").click()
    assert "applies" in why.inner_text().lower()
    page.get_by_role("link", name="Version for the patient").click()
    page.get_by_role("heading", name="Your care plan, in plain language").wait_for()
    assert axe_violations(page) == []


def test_a_choice_made_before_htmx_is_ready_still_reveals_its_questions(live_server, first_edition, page):
    """On a slow line the page is usable before htmx arrives: a quick tap must not leave the
    questions that depend on it hidden for good."""
    release = []

    def slow_htmx(route):
        release.append(route)  # held until the choice is made

    page.route("**/htmx*.js", slow_htmx)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    page.get_by_role("heading", name="Step 1 of 3: MRI findings").wait_for()
    assert release, "the page did not ask for htmx"
    choose(page, "Has an MRI been done?", "Yes")  # htmx not loaded: no request sent
    dependent = page.get_by_role("group", name="Site of the edema")
    assert not dependent.is_visible()
    for route in release:
        route.continue_()
    expect(dependent).to_be_visible()
