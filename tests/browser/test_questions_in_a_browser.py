"""Questions as content, in Debian Chromium: an author adds an age and a kidney-function question to a
draft and a condition on each, previews the draft's wizard (which asks them) and sees the statement they
trigger; a reviewer approves and publishes; the API of the new edition checks the new answers, and an
assessment saved under the old edition still renders as it did."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_editorial_in_a_browser import (
    _log_in,
    _publish,
    _resolve_every_blocking_note,
    _user,
    review_everything,
)
from tests.browser.test_wizard_in_a_browser import fill_steps

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]

PITFALL = "pitfall-older-or-kidney"
PITFALL_TEXT = "Check kidney function before a bisphosphonate in an older patient."


def _add_question(page, base, draft, *, key, label, kind, order, **fields):
    page.goto(f"{base}/admin/content/question/add/")
    page.locator("#id_edition").select_option(str(draft.pk))
    page.locator("#id_key").fill(key)
    page.locator("#id_order").fill(str(order))
    page.locator("#id_step").select_option("context")
    page.locator("#id_label").fill(label)
    page.locator("#id_kind").select_option(kind)
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_optional").check()  # the first edition's scenarios do not answer it
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def _condition(page, index, question, operator, answer):
    """Add a condition row as an editor does: the question and the comparison by their words, the answer
    picked from the question's answers (by label) or typed as a number."""
    page.get_by_role("button", name="Add another Condition").click()
    row = page.locator(f"#conditions-{index}")
    row.locator(f"#id_conditions-{index}-question").select_option(label=question)
    row.locator(f"#id_conditions-{index}-operator").select_option(label=operator)
    widget = row.locator(".condition-answer")
    if widget.evaluate("node => node.tagName") == "SELECT":
        widget.select_option(label=answer)
    else:
        widget.fill(answer)


def _statement_texts(page):
    return [re.sub(r"\s+", " ", text).strip() for text in page.locator(".statement-text").all_inner_texts()]


def test_an_author_adds_questions_the_wizard_asks_and_the_api_checks(live_server, first_edition, page):
    from bme_wizard.clinic.services import assessment_create
    from bme_wizard.content import services
    from bme_wizard.content.models import Pitfall, Reference
    from tests.conftest import answers
    from tests.editorial import approve_scenarios

    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    author, _ = _user("author", "Author"), _user("reviewer", "Reviewer")
    approve_scenarios()
    saved = assessment_create(answers=answers(context="transient_bme"), edition=first_edition)
    page.goto(f"{base}/a/{saved.token}/")
    before = _statement_texts(page)
    draft = services.edition_clone(user=author)
    reference = Reference.objects.filter(edition=draft).first()
    pitfall = services.item_create(
        edition=draft,
        kind=Pitfall,
        user=author,
        fields={"key": PITFALL, "text": PITFALL_TEXT, "order": 999},
        citations=[{"reference": reference.key, "part": "statement"}],
    )

    # The author adds the questions and a condition on each (either makes the pitfall apply).
    _log_in(page, base, "author")
    _add_question(
        page, base, draft, key="age", label="Age (years)", kind="integer", order=900, minimum="0", maximum="120"
    )
    _add_question(
        page,
        base,
        draft,
        key="kidney_function",
        label="Kidney function",
        kind="choice",
        order=910,
        options="normal | Normal\nreduced | Reduced",
    )
    page.goto(f"{base}/admin/content/pitfall/{pitfall.pk}/change/")
    page.locator("#id_match").select_option("any")
    _condition(page, 0, "Age (years) (age)", "is at least", "65")
    _condition(page, 1, "Kidney function (kidney_function)", "is", "Reduced")
    expect(page.locator(".condition-check").last).to_contain_text("Applies when “Kidney function” is Reduced")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Pitfall {PITFALL} is saved and submitted for review.")

    # The draft's wizard asks the new questions, and the pitfall applies to a 70-year-old.
    page.goto(f"{base}/preview/{draft.pk}/")
    page.get_by_role("button", name="Start the preview").click()

    def answer_the_new_questions(page):
        if page.get_by_label("Age (years)").count():
            page.get_by_label("Age (years)").fill("70")

    fill_steps(page, check_each_step=lambda page: None, on_arrival=answer_the_new_questions)
    expect(page.get_by_text(PITFALL_TEXT)).to_be_visible()
    expect(page.get_by_text("“Age (years)” is at least 65")).to_be_attached()

    # The reviewer resolves the evidence notes, approves everything (the questions too) and publishes.
    _log_in(page, base, "reviewer")
    _resolve_every_blocking_note(page, base, draft)
    review_everything(page, base, draft, drafts=("editiontext", "question"))
    _publish(page, base, draft, "Age and kidney function are asked; a pitfall for older patients.")

    # The API of the new edition checks an age; edition 1 never asked it.
    def plan(body):
        return page.request.post(
            f"{base}/api/v1/plan", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )

    refused = plan({"answers": {**answers(), "age": 130}})
    assert refused.status == 400
    assert list(refused.json()["errors"]) == ["answers.age"]
    shown = plan({"answers": {**answers(), "age": 70}}).json()
    assert PITFALL in [pitfall["key"] for pitfall in shown["pitfalls"]]
    old = plan({"answers": {**answers(), "age": 70}, "edition": 1})
    assert old.json()["errors"] == {"answers.age": ["Unknown question."]}

    # The assessment saved under edition 1 renders unchanged.
    page.goto(f"{base}/a/{saved.token}/")
    assert before and _statement_texts(page) == before
    expect(page.get_by_text("A newer edition exists")).to_be_visible()
    assert page.csp_violations == []
