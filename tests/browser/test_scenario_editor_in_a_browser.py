"""The scenario editor in Debian Chromium: an author writes a patient by answering the edition's questions (the
wizard's widgets, by their labels), is told on the question what is wrong, and picks what the plan must show by
typing words of the statement into the admin's chooser; no JSON anywhere."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_editorial_in_a_browser import _log_in, _user
from tests.browser.test_wizard_in_a_browser import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]


def _answer(page, question, value):
    """Answer ``question`` as a person would: tick its answers by label, or type the number."""
    name = re.compile(rf"^{re.escape(question.label)}:?$")  # the admin ends a label with a colon
    if question.choices:
        group = page.get_by_role("group", name=name)
        for code in value if isinstance(value, list) else [value]:
            group.get_by_label(question.label_for(code), exact=True).check()
    else:
        page.get_by_label(name).fill(str(value))


def test_an_author_writes_a_patient_by_answering_the_questions(live_server, first_edition, page):
    from bme_wizard.content.models import ReviewStatus, Scenario
    from bme_wizard.content.models.items import edition_vocabulary

    vocabulary = edition_vocabulary(first_edition.pk)
    patient = dict(Scenario.objects.get(key="vcf-12-weeks-no-change").answers)
    statement = first_edition.items.get(key="vcf-augmentation-after-3-months").as_concrete()
    _user("author", "Author")
    page.set_viewport_size({"width": 1400, "height": 900})
    _log_in(page, live_server.url, "author")
    page.goto(f"{live_server.url}/admin/content/scenario/add/")
    expect(page.locator("textarea[name=answers]")).to_have_count(0)

    page.get_by_label("Key:").fill("vcf-thirteen-weeks")
    page.get_by_label("Title:").fill("Vertebral fracture, 13 weeks without improvement")
    for key, value in patient.items():
        if key not in ("response", "conservative_weeks"):
            _answer(page, vocabulary[key], value)
    _answer(page, vocabulary["conservative_weeks"], 13)

    # What the plan must show: found by a few words of its text, chosen with the admin's chooser.
    words = " ".join(statement.text.split()[:3])
    page.locator("#id_must_show_input").fill(words)
    available = page.locator("#id_must_show_from")
    option = available.locator("option", has_text=f"({statement.key})")
    expect(option).to_have_count(1)
    label = option.text_content()
    assert label.startswith("If first-line management fails:") and words in label  # its section and its text
    available.select_option(statement.key)
    page.get_by_role("button", name="Choose selected items the plan must show").click()
    expect(page.locator("#id_must_show_to option")).to_have_text([label])
    assert [v for v in axe_violations(page) if v[1] in ("serious", "critical")] == []

    # "Response so far" is asked of every patient: left unanswered, the form says so on that question and
    # keeps what was typed.
    page.get_by_role("button", name="Save", exact=True).click()
    response = page.locator(".field-answer__response")
    expect(response.locator(".errorlist")).to_be_visible()
    expect(page.locator("#id_answer__conservative_weeks")).to_have_value("13")
    expect(page.locator("#id_must_show_to option")).to_have_count(1)
    _answer(page, vocabulary["response"], "no_change")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Scenario vcf-thirteen-weeks is saved and submitted")

    created = Scenario.objects.get(key="vcf-thirteen-weeks")
    assert created.answers == {**patient, "conservative_weeks": 13}
    assert created.must_show == [statement.key] and created.must_not_show == []
    assert created.review_status == ReviewStatus.SUBMITTED
    assert page.csp_violations == []
