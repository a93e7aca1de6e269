"""The editorial path in Debian Chromium: an author revises a statement in a new draft and
submits it; a reviewer approves and publishes; clinicians then get the new text while an
old permalink keeps the old one."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from bme_wizard.content.models import Edition
from tests.browser.test_wizard_in_a_browser import fill_steps

# Transactional, for the live server's thread; the editorial roles come back after each flush.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]

OLD_TEXT = "Treat conservatively with NSAIDs and protected weight bearing."
NEW_TEXT = "Treat conservatively with NSAIDs and protected weight bearing; review at six weeks."
PASSWORD = "a-long-test-password"


def _user(username, role):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))


def _log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Guideline content")).to_be_visible()


def _clinician_summary(page, base):
    page.context.clear_cookies()
    page.goto(base + "/")
    page.get_by_role("button", name="Start an assessment").click()
    fill_steps(page, check_each_step=lambda page: None)
    return page.url


def _review_all(page, base, model, edition, action):
    page.goto(f"{base}/admin/content/{model}/?edition__id__exact={edition.pk}")
    for box in page.locator("input.action-select").all():
        box.check()
    page.locator("select[name=action]").select_option(f"review_{action}")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("item(s) done")


def test_an_edit_goes_from_author_to_reviewer_to_clinicians(live_server, first_edition, page):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _user("author", "Author")
    _user("reviewer", "Reviewer")

    old_permalink = _clinician_summary(page, base)
    expect(page.get_by_text(OLD_TEXT, exact=True)).to_be_visible()

    # The author starts a new draft, revises one statement and submits it.
    _log_in(page, base, "author")
    page.goto(base + "/admin/content/edition/")
    page.get_by_role("button", name="Start a new draft from Edition 1").click()
    expect(page.locator(".messagelist")).to_contain_text("Edition 2 is a new draft")
    draft = Edition.objects.get(number=2)
    page.goto(f"{base}/admin/content/recommendation/?edition__id__exact={draft.pk}&q=tbme-conservative")
    page.get_by_role("link", name="tbme-conservative").click()
    page.get_by_role("textbox", name="Text:", exact=True).fill(NEW_TEXT)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="Review (draft)").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submit for review: done for tbme-conservative.")

    # The reviewer cannot publish yet, reviews everything, then publishes.
    _log_in(page, base, "reviewer")
    page.goto(f"{base}/admin/content/edition/{draft.pk}/review/")
    expect(page.get_by_text("Edition 2 cannot be published yet:")).to_be_visible()
    expect(page.get_by_role("button", name="Publish Edition 2")).to_be_disabled()
    for model in ("pathway", "recommendation", "pitfall", "reference"):
        _review_all(page, base, model, draft, "start_review")
        _review_all(page, base, model, draft, "approve")
    page.goto(f"{base}/admin/content/edition/{draft.pk}/review/")
    expect(page.get_by_text("Every item is approved and every scenario passes.")).to_be_visible()
    page.get_by_role("button", name="Publish Edition 2").click()
    expect(page.locator(".messagelist")).to_contain_text("Edition 2 is published")
    assert page.csp_violations == []

    # Clinicians: a new assessment shows the new text; the old permalink still shows the old.
    _clinician_summary(page, base)
    expect(page.get_by_text(NEW_TEXT, exact=True)).to_be_visible()
    expect(page.get_by_text("Based on Edition 2")).to_be_visible()
    page.goto(old_permalink)
    expect(page.get_by_text(OLD_TEXT, exact=True)).to_be_visible()
    expect(page.get_by_text(NEW_TEXT, exact=True)).to_have_count(0)
    expect(page.get_by_text("A newer edition exists")).to_be_visible()


def test_an_author_sees_the_preview_and_condition_checks_as_they_type(live_server, first_edition, page):
    from bme_wizard.content.services import edition_clone

    draft = edition_clone(source=first_edition)
    _user("author", "Author")
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, live_server.url, "author")
    item = draft.items.get(key="vcf-nsaids")
    page.goto(f"{live_server.url}/admin/content/recommendation/{item.pk}/change/")
    page.get_by_role("textbox", name="Text:", exact=True).fill("Start with an **NSAID** <b>now</b>.")
    preview = page.locator("#preview-text .markdown-preview-body")
    expect(preview.locator("strong")).to_have_text("NSAID")
    expect(preview).to_contain_text("<b>now</b>")  # typed HTML shows as text
    value = page.locator("#conditions-group tr.form-row input[name$='-value']").first
    value.fill("elbow-and-more")
    expect(page.locator("#conditions-group .condition-check-error").first).to_be_visible()
    assert page.csp_violations == []


def test_a_late_answer_never_overwrites_the_preview_of_what_is_typed_now(live_server, first_edition, page):
    from bme_wizard.content.services import edition_clone

    draft = edition_clone(source=first_edition)
    _user("author", "Author")
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, live_server.url, "author")
    held = []  # the previews of the page's opening text, answered only after the edit's

    def hold_opening_text(route):
        if "Typed+now" in (route.request.post_data or ""):
            route.continue_()
        else:
            held.append(route)

    page.route("**/check/markdown/", hold_opening_text)
    item = draft.items.get(key="vcf-nsaids")
    page.goto(f"{live_server.url}/admin/content/recommendation/{item.pk}/change/")
    page.get_by_role("textbox", name="Text:", exact=True).fill("Typed now: **newest**")
    preview = page.locator("#preview-text .markdown-preview-body")
    expect(preview.locator("strong")).to_have_text("newest")
    assert held, "the opening previews were not held back"
    for route in held:
        route.continue_()
    page.wait_for_load_state("networkidle")
    expect(preview.locator("strong")).to_have_text("newest")
    expect(preview).not_to_contain_text("For pain relief")
