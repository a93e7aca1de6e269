"""The editorial path in Debian Chromium: an author revises a statement in a new draft and
submits it; a reviewer resolves the evidence notes, approves and publishes through the
confirmation; clinicians then get the new text while an old permalink keeps the old one.
And the board's harder path: a rebase, a removal and a scenario change reviewed by
someone else, then publication with a note."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from bme_wizard.content.models import Edition
from tests.browser.test_wizard_in_a_browser import fill_steps

# Transactional, for the live server's thread; the editorial roles come back after each flush.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]

OLD_TEXT = (
    "Vitamin D and calcium status is not recorded as normal: check it, and correct any imbalance, before starting "
    "denosumab."
)
NEW_TEXT = OLD_TEXT.replace("before starting denosumab.", "before starting denosumab; recheck after six weeks.")
PASSWORD = "a-long-test-password"
ITEM = "refractory-check-vitamin-d-calcium"


def _user(username, role):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def _log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()


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


ITEM_KINDS = ("editiontext", "question", "pathway", "recommendation", "pitfall", "reference")


def review_everything(page, base, edition, *, drafts):
    """The author submits the kinds of ``drafts`` (whose items are drafts still); the reviewer then starts the
    review of every item of the edition and approves it, kind by kind, from the lists (bulk actions)."""
    _log_in(page, base, "author")
    for model in drafts:
        _review_all(page, base, model, edition, "submit")
    _log_in(page, base, "reviewer")
    for model in ITEM_KINDS:
        _review_all(page, base, model, edition, "start_review")
        _review_all(page, base, model, edition, "approve")


def _resolve_every_blocking_note(page, base, edition):
    """A reviewer resolves the open "not confirmed" / "not found" notes, each with a reason, on its Review page."""
    from bme_wizard.content.models import BLOCKING_COMMENT_KINDS, ReviewComment

    for note in ReviewComment.objects.filter(item__edition=edition, is_open=True, kind__in=BLOCKING_COMMENT_KINDS):
        item = note.item.as_concrete()
        page.goto(f"{base}/admin/content/{item._meta.model_name}/{item.pk}/review/")
        form = page.locator(f"form:has(#reason-{note.pk})")
        form.get_by_label("Why is it resolved?").fill("Checked by the board; the caution stays until revised.")
        form.get_by_role("button", name="Resolve").click()
        expect(page.locator(".messagelist")).to_contain_text("Comment resolved")


def _publish(page, base, edition, note):
    page.goto(f"{base}/admin/content/edition/{edition.pk}/review/")
    expect(page.get_by_text("Every item is approved and every scenario passes.")).to_be_visible()
    page.get_by_role("link", name=f"Publish {edition.label}…").click()
    expect(page.get_by_role("heading", name="What clinicians will see change")).to_be_visible()
    page.get_by_label("What changed and why").fill(note)
    page.get_by_role("button", name=f"Publish {edition.label} now").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{edition.label} is published")


def test_an_edit_goes_from_author_to_reviewer_to_clinicians(live_server, first_edition, page):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _user("author", "Author")
    _user("reviewer", "Reviewer")

    old_permalink = _clinician_summary(page, base)
    expect(page.get_by_text(OLD_TEXT, exact=True)).to_be_visible()

    # The author starts a new draft, revises one statement and submits it in the same step.
    _log_in(page, base, "author")
    page.goto(base + "/admin/content/edition/")
    page.get_by_role("button", name="Start a new draft from Edition 1").click()
    expect(page.locator(".messagelist")).to_contain_text("Edition 2 is a new draft")
    draft = Edition.objects.get(number=2)
    page.goto(f"{base}/admin/content/recommendation/?edition__id__exact={draft.pk}&q={ITEM}")
    page.get_by_role("link", name=ITEM).click()
    page.get_by_role("textbox", name="Text:", exact=True).fill(NEW_TEXT)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Recommendation {ITEM} is saved and submitted for review.")
    # The draft's own text: a new summary of what it changes, submitted too.
    page.goto(f"{base}/admin/content/edition/{draft.pk}/change/")
    page.get_by_label("Summary:").fill("Vitamin D and calcium: recheck after six weeks.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The reviewer cannot publish yet; resolves the evidence notes; reviews everything; publishes.
    _log_in(page, base, "reviewer")
    page.goto(f"{base}/admin/content/edition/{draft.pk}/review/")
    expect(page.get_by_text("Edition 2 cannot be published yet:")).to_be_visible()
    expect(page.get_by_role("link", name="Publish Edition 2…")).to_have_count(0)
    _resolve_every_blocking_note(page, base, draft)
    review_everything(page, base, draft, drafts=("editiontext",))
    _publish(page, base, draft, "The vitamin D and calcium check is repeated after six weeks.")
    assert page.csp_violations == []

    # Clinicians: a new assessment shows the new text; the old permalink still shows the old.
    _clinician_summary(page, base)
    expect(page.get_by_text(NEW_TEXT, exact=True)).to_be_visible()
    expect(page.get_by_text("Based on Edition 2")).to_be_visible()
    page.goto(old_permalink)
    expect(page.get_by_text(OLD_TEXT, exact=True)).to_be_visible()
    expect(page.get_by_text(NEW_TEXT, exact=True)).to_have_count(0)
    expect(page.get_by_text("A newer edition exists")).to_be_visible()
    page.get_by_role("link", name="What changed for this case").click()
    expect(page.get_by_text("The vitamin D and calcium check is repeated after six weeks.")).to_be_visible()


def test_the_board_rebases_reviews_a_removal_and_a_scenario_change_then_publishes(live_server, first_edition, page):
    """Two drafts of one edition: the second is rebased after the first is published; a removal and a scenario
    change are reviewed by someone else; an evidence note is resolved; publishing is confirmed with a note."""
    from bme_wizard.content import services
    from bme_wizard.content.models import Scenario
    from tests.editorial import approve_everything, approve_scenarios, change

    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    author, reviewer = _user("author", "Author"), _user("reviewer", "Reviewer")
    approve_scenarios()
    first = services.edition_clone(user=author)
    second = services.edition_clone(user=author)
    change(first.items.get(key="vcf-mobilise").as_concrete(), by=author, text="Mobilise early, with physiotherapy.")
    change(second.items.get(key="vcf-mobilise").as_concrete(), by=author, text="Mobilise as soon as pain allows.")
    approve_everything(first)
    services.edition_publish(edition=first, user=reviewer, note="Physiotherapy added.")

    # The author finds the second draft's base has moved, and rebases it, keeping their own wording.
    _log_in(page, base, "author")
    page.goto(f"{base}/admin/content/edition/{second.pk}/review/")
    expect(page.get_by_text("The edition this draft was started from is no longer current")).to_be_visible()
    page.get_by_role("link", name="Rebase Edition 3 onto Edition 2…").click()
    conflict = page.locator("fieldset.rebase-conflict", has_text="vcf-mobilise")
    conflict.get_by_label("Keep this draft's version").check()
    page.get_by_role("button", name="Rebase Edition 3 onto Edition 2").click()
    expect(page.locator(".messagelist")).to_contain_text("Edition 3 is now based on Edition 2")

    # The author removes a statement and drops it from the scenario that needs it.
    removed = second.items.get(key="charcot-look-for-infection").as_concrete()
    page.goto(f"{base}/admin/content/recommendation/{removed.pk}/delete/")
    expect(page.get_by_text("Removing it is a change like any other")).to_be_visible()
    page.get_by_role("button", name="Mark charcot-look-for-infection for removal").click()
    expect(page.locator(".messagelist")).to_contain_text("is marked for removal")
    scenario = Scenario.objects.get(key="charcot-ulcer")
    page.goto(f"{base}/admin/content/scenario/{scenario.pk}/change/")
    # The statement leaving the edition is still listed among what the scenario must show, marked; the author
    # takes it out with the admin's chooser.
    chosen = page.locator("#id_must_show_to")
    leaving = chosen.locator("option", has_text="marked for removal")
    expect(leaving).to_have_count(1)
    chosen.select_option(leaving.get_attribute("value"))
    page.get_by_role("button", name="Remove selected items the plan must show").click()
    expect(chosen.locator("option", has_text="charcot-look-for-infection")).to_have_count(0)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Scenario charcot-ulcer is saved and submitted for review.")
    kept = [key for key in scenario.must_show if key != "charcot-look-for-infection"]
    assert sorted(Scenario.objects.get(pk=scenario.pk).must_show) == sorted(kept)

    # The reviewer: the removal and the scenario change are listed; both reviewed here.
    _log_in(page, base, "reviewer")
    page.goto(f"{base}/admin/content/edition/{second.pk}/review/")
    expect(page.get_by_role("heading", name="Removed in this draft (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Scenario changes awaiting review (1)", exact=False)).to_be_visible()
    page.goto(f"{base}/admin/content/recommendation/{removed.pk}/review/")
    expect(page.get_by_text("The change is a removal")).to_be_visible()
    for step in ("Submit for review",):
        expect(page.get_by_role("button", name=step)).to_have_count(0)  # the reviewer does not submit
    _log_in(page, base, "author")
    page.goto(f"{base}/admin/content/recommendation/{removed.pk}/review/")
    page.get_by_role("button", name="Submit for review").click()
    _log_in(page, base, "reviewer")
    for url in (
        f"/admin/content/recommendation/{removed.pk}/review/",
        f"/admin/content/scenario/{scenario.pk}/review/",
    ):
        page.goto(base + url)
        page.get_by_role("button", name="Start review").click()
        page.get_by_role("button", name="Approve").click()
        expect(page.locator(".messagelist")).to_contain_text("Approve: done")

    # An evidence note is resolved with a reason; the rest of the draft is approved; then the confirmation.
    _resolve_every_blocking_note(page, base, second)
    approve_everything(second, reviewer=_user("reviewer2", "Reviewer"))
    _publish(page, base, second, "Kept early mobilisation wording; removed the infection check line.")
    # The removal stays on record in the published edition, out of its content.
    assert Edition.objects.get(pk=second.pk).items.get(key="charcot-look-for-infection").is_removed
    page.goto(base + "/guideline/")
    expect(page.get_by_text("Kept early mobilisation wording; removed the infection check line.")).to_be_visible()
    expect(page.get_by_text("Mobilise as soon as pain allows.")).to_be_visible()
    assert page.csp_violations == []


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
    # The first condition compares a number ("conservative_weeks" less than 12): out of its range, it says so.
    weeks = page.locator("#conditions-group tr.form-row .condition-answer").first
    weeks.fill("9999")
    expect(page.locator("#conditions-group .condition-check-error").first).to_contain_text("takes a whole number")
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
