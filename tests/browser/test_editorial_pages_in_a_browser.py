"""The editorial pages in Debian Chromium: the preview wizard, the edition diff and a case's changes."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from bme_wizard.clinic.models import Assessment
from tests.browser.test_wizard_in_a_browser import ARTIFACTS, axe_violations, fill_steps
from tests.conftest import publish_without_checks
from tests.editorial import PASSWORD, second_edition_with_changes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]


def _log_in(page, live_server, next_path):
    # Transactional tests flush the role groups the migrations made: grant the one permission instead.
    user = get_user_model().objects.create_user("reviewer", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="content", codename="view_edition"))
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _serious(page):
    return [v for v in axe_violations(page) if v[1] in ("serious", "critical")]


def test_a_reviewer_previews_a_draft_edition_in_the_wizard(live_server, first_edition, page):
    draft = second_edition_with_changes(first_edition)
    _log_in(page, live_server, f"/preview/{draft.pk}/")
    page.get_by_role("heading", name="Preview Edition 2 as a clinician").wait_for()
    banner = page.get_by_role("complementary", name="Preview")
    expect(banner).to_contain_text("Edition 2: Second edition for tests")
    expect(banner).to_contain_text("Draft")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start the preview").click()
    page.get_by_role("heading", name="Step 1 of 3: MRI findings").wait_for()

    def check_each_step(page):
        expect(page.get_by_role("complementary", name="Preview")).to_be_visible()
        assert page.title().startswith("Preview of Edition 2 (Draft) · ")
        assert axe_violations(page) == []

    fill_steps(page, check_each_step=check_each_step)

    expect(page.get_by_role("heading", level=1)).to_have_text("Pathway summary (preview)")
    assert page.title().startswith("Pathway summary · Preview of Edition 2 (Draft)")
    expect(page.get_by_role("complementary", name="Preview")).to_be_visible()
    # The draft as it is now: its removed statement is gone, its re-conditioned one no longer applies.
    expect(page.locator("main")).not_to_contain_text("self-limiting")
    expect(page.locator("main")).not_to_contain_text("At the hip, the edema typically extends")
    expect(page.locator("main")).to_contain_text("Consider a single dose of denosumab")
    expect(page.get_by_role("link", name="Start again")).to_be_visible()
    expect(page.get_by_role("link", name="Back to Edition 2 in the admin").first).to_be_visible()
    assert axe_violations(page) == []
    assert page.csp_violations == []
    assert Assessment.objects.count() == 0


def test_the_edition_diff_in_the_admin(live_server, first_edition, page):
    draft = second_edition_with_changes(first_edition)
    _log_in(page, live_server, f"/admin/content/edition/{draft.pk}/change/")
    page.get_by_role("link", name="What changed").click()
    page.get_by_role("heading", name="From Edition 1").wait_for()
    expect(page.locator("ins").filter(has_text="with crutches")).to_be_visible()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "edition-diff.png"), full_page=True)
    assert _serious(page) == []
    assert page.csp_violations == []


def test_what_changed_for_a_case(live_server, first_edition, page):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start an assessment").click()
    fill_steps(page, check_each_step=lambda page: None)
    publish_without_checks(second_edition_with_changes(first_edition))
    page.reload()
    page.get_by_role("link", name="What changed for this case").click()
    page.get_by_role("heading", name="What changed for this case").wait_for()
    expect(page.get_by_role("heading", name="Statements no longer shown")).to_be_visible()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "case-changes.png"), full_page=True)
    assert axe_violations(page) == []
    assert page.csp_violations == []
