"""The condition editor in Debian Chromium: an author picks a question by its label, is offered only the
comparisons that fit its kind, and picks the answer from the question's own answers (or a number within
its range) instead of typing codes; the row saves in the canonical form the engine reads."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_editorial_in_a_browser import _log_in, _user
from tests.browser.test_wizard_in_a_browser import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("editorial_roles")]


def _offered(operator):
    """The comparisons an operator select offers (its enabled options, by their words)."""
    return operator.evaluate(
        "select => Array.from(select.options).filter(o => o.value && !o.disabled).map(o => o.textContent.trim())"
    )


def test_an_author_writes_conditions_by_choosing_not_typing(live_server, first_edition, page):
    from bme_wizard.content.models import Condition
    from bme_wizard.content.services import edition_clone

    draft = edition_clone(source=first_edition)
    item = draft.items.get(key="vcf-nsaids")
    _user("author", "Author")
    page.set_viewport_size({"width": 1400, "height": 900})
    _log_in(page, live_server.url, "author")
    page.goto(f"{live_server.url}/admin/content/recommendation/{item.pk}/change/")

    # The saved rows open with their answers in the widgets: a number box, a list of the answers by label.
    first = page.locator("#conditions-0")
    expect(first.locator("input.condition-answer[type=number]")).to_have_value("12")
    expect(first.locator("input.condition-answer")).to_have_attribute("max", "520")
    second = page.locator("#conditions-1")
    expect(second.locator("select.condition-answer option:checked")).to_have_text("Improving")

    page.get_by_role("button", name="Add another Condition").click()
    row = page.locator("#conditions-2")
    question, operator = row.locator("#id_conditions-2-question"), row.locator("#id_conditions-2-operator")
    expect(row.locator("#id_conditions-2-order")).to_have_value("2")  # a new row comes after the saved ones

    # A single-choice question: equality and membership, nothing numeric or list-like.
    question.select_option(label="Site of the edema (site)")
    assert _offered(operator) == ["is", "is not", "is one of", "is empty", "is answered"]
    operator.select_option(label="is one of")
    answers = row.get_by_role("group", name="Answer to compare with (Site of the edema): tick two or more")
    answers.get_by_label("Hip", exact=True).check()
    answers.get_by_label("Knee", exact=True).check()
    expect(row.locator(".condition-check")).to_have_text("Applies when “Site of the edema” is one of Hip, Knee.")

    # A multiple-choice question: the comparison that no longer fits is dropped, the fitting ones offered.
    question.select_option(label="Sequences acquired (sequences)")
    assert _offered(operator) == ["includes", "does not include", "is empty", "is answered"]
    expect(operator).to_have_value("")
    operator.select_option(label="does not include")
    row.get_by_role("combobox", name="Answer to compare with (Sequences acquired)").select_option(label="STIR")
    expect(row.locator(".condition-check")).to_have_text("Applies when “Sequences acquired” does not include STIR.")

    # A comparison that needs no answer offers none.
    operator.select_option(label="is answered")
    expect(row.locator(".condition-answer-note")).to_have_text("No answer to compare with.")
    operator.select_option(label="includes")
    row.get_by_role("combobox", name="Answer to compare with (Sequences acquired)").select_option(label="STIR")

    # A whole-number question: the numeric comparisons, and a number box with the question's range.
    page.get_by_role("button", name="Add another Condition").click()
    number_row = page.locator("#conditions-3")
    number_row.locator("#id_conditions-3-question").select_option(label="RAMRIS bone marrow edema score (ramris_bme)")
    number_operator = number_row.locator("#id_conditions-3-operator")
    assert "is at least" in _offered(number_operator) and "includes" not in _offered(number_operator)
    number_operator.select_option(label="is at least")
    number = number_row.locator("input.condition-answer[type=number]")
    expect(number).to_have_attribute("min", "0")
    expect(number).to_have_attribute("max", "69")
    number.fill("70")
    expect(number_row.locator(".condition-check-error")).to_contain_text("takes a whole number from 0 to 69, not 70")
    number.fill("5")
    expect(number_row.locator(".condition-check")).to_have_text(
        "Applies when “RAMRIS bone marrow edema score” is at least 5."
    )
    assert [v for v in axe_violations(page) if v[1] in ("serious", "critical")] == []

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = list(Condition.objects.filter(item=item).values_list("question", "operator", "value"))
    assert saved == [
        ("conservative_weeks", "less_than", "12"),
        ("response", "equals", "improving"),
        ("sequences", "includes", "stir"),
        ("ramris_bme", "at_least", "5"),
    ]
    assert page.csp_violations == []
