"""Scenarios written with the questions, not JSON: an editor answers the newest edition's questions with the
wizard's widgets, each problem shown on its question, and picks what the plan must and must not show from the
edition's pathways, statements and pitfalls by their text. Reviewers, the review page and the history read the
scenario in the same words."""

import html
import re

import pytest
from django.urls import reverse

from bme_wizard.content import services
from bme_wizard.content.models import Edition, ReviewStatus, Scenario
from bme_wizard.content.services import edition_clone
from tests.editorial import approve_scenarios, log_in, person
from tests.forms import form_data
from tests.test_questions_content import AGE, add_question

pytestmark = pytest.mark.django_db

ADD = reverse("admin:content_scenario_add")


def _change(scenario):
    return reverse("admin:content_scenario_change", args=[scenario.pk])


def _page(response):
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def _form(client, url):
    return form_data(client.get(url).content.decode(), "scenario_form")


def _errors_of(page, name):
    """The error list shown on the form row of the field ``name``."""
    row = re.search(rf'<div class="form-row[^"]*field-{name}\b.*?(?=<div class="form-row|</fieldset>)', page, re.S)
    assert row, f"no row for {name}"
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', row.group(0), re.S))


@pytest.fixture
def author_client(client, first_edition):
    return log_in(client, "scenario-author", role="Author")


class TestWritingAPatient:
    def test_the_patient_is_the_editions_questions_by_step_with_the_stored_answers_in_them(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        page = _page(author_client.get(_change(scenario)))
        assert 'name="answers"' not in page  # no JSON box
        for title in ("step 1 of 3: MRI findings", "step 2 of 3: Clinical context", "step 3 of 3: Prior treatment"):
            assert f"The patient, {title}" in page
        data = _form(author_client, _change(scenario))
        assert data["answer__site"] == ["spine"]
        assert data["answer__sequences"] == ["stir", "t1", "dce"]
        assert data["answer__conservative_weeks"] == ["12"]
        assert "answer__ramris_bme" not in data or data["answer__ramris_bme"] == [""]
        # The questions read as the wizard asks them: labels and answers in words, "asked when" said.
        assert re.search(r"<legend[^>]*>\s*Site of the edema", page) and "Spine</label>" in page
        assert "Asked when “Has an MRI been done?” is Yes." in page

    def test_saving_an_unchanged_form_changes_nothing(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        approve_scenarios()
        scenario.refresh_from_db()
        response = author_client.post(_change(scenario), _form(author_client, _change(scenario)))
        assert response.status_code == 302
        stored = Scenario.objects.get(pk=scenario.pk)
        assert (stored.version, stored.review_status) == (scenario.version, ReviewStatus.APPROVED)

    def test_changing_one_answer_saves_the_patient_with_it_as_a_draft(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        approve_scenarios()
        before = Scenario.objects.get(pk=scenario.pk).answers
        data = _form(author_client, _change(scenario))
        data["answer__conservative_weeks"] = ["13"]
        assert author_client.post(_change(scenario), data).status_code == 302
        stored = Scenario.objects.get(pk=scenario.pk)
        assert stored.answers == {**before, "conservative_weeks": 13}
        assert stored.review_status == ReviewStatus.DRAFT
        assert stored.approved_content["answers"] == before  # what gates publication until a reviewer approves

    def test_each_problem_is_shown_on_its_question_and_nothing_is_saved(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        before = Scenario.objects.get(pk=scenario.pk)
        data = _form(author_client, _change(scenario))
        data["answer__conservative_weeks"] = ["600"]  # beyond the question's range
        data["answer__response"] = [""]  # "Not answered", though the question is asked
        data["answer__sequences"] = []
        page = _page(author_client.post(_change(scenario), data))
        assert "520" in _errors_of(page, "answer__conservative_weeks")
        assert _errors_of(page, "answer__response")
        assert _errors_of(page, "answer__sequences")
        assert _errors_of(page, "answer__site") == ""
        stored = Scenario.objects.get(pk=scenario.pk)
        assert (stored.answers, stored.version) == (before.answers, before.version)

    def test_a_contradiction_between_answers_is_named_on_the_question(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        data = _form(author_client, _change(scenario))
        data["answer__symptom_weeks"] = ["4"]  # shorter than the 12 weeks of conservative care
        page = _page(author_client.post(_change(scenario), data))
        assert "conservative treatment cannot have gone on for longer than the symptoms" in page

    def test_an_answer_to_a_question_that_is_not_asked_is_left_out(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        data = _form(author_client, _change(scenario))
        data["answer__ramris_bme"] = ["5"]  # asked for the hand and wrist only; this patient's edema is in the spine
        assert author_client.post(_change(scenario), data).status_code == 302
        assert "ramris_bme" not in Scenario.objects.get(pk=scenario.pk).answers

    def test_a_new_scenario_is_written_without_json(self, author_client):
        data = _form(author_client, ADD)
        source = Scenario.objects.get(key="vcf-12-weeks-no-change")
        for key, value in source.answers.items():
            data[f"answer__{key}"] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        data.update(
            key=["vcf-thirteen-weeks"],
            title=["Vertebral fracture, 13 weeks"],
            must_show=["vcf-augmentation-after-3-months"],
            must_not_show=["vcf-nsaids"],
        )
        data["answer__conservative_weeks"] = ["13"]
        response = author_client.post(ADD, data)
        assert response.status_code == 302, _errors_of(_page(response), "key")
        created = Scenario.objects.get(key="vcf-thirteen-weeks")
        assert created.answers == {**source.answers, "conservative_weeks": 13}
        assert (created.must_show, created.must_not_show) == (["vcf-augmentation-after-3-months"], ["vcf-nsaids"])
        assert created.review_status == ReviewStatus.DRAFT


class TestPickingWhatThePlanMustShow:
    def test_the_items_are_offered_by_their_text_grouped_by_pathway(self, author_client, first_edition):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        page = _page(author_client.get(_change(scenario)))
        statement = first_edition.items.get(key="vcf-augmentation-after-3-months").as_concrete()
        select = re.search(r'<select name="must_show".*?</select>', page, re.S).group(0)
        assert 'class="selectfilter"' in select  # the admin's filtered chooser: typed words filter the list
        assert re.search(r'<optgroup label="Pathway: [^"]+">', select)
        option = re.search(r'<option value="vcf-augmentation-after-3-months"[^>]*>(.*?)</option>', select, re.S)
        first_words = " ".join(re.sub(r"[*_`\[\]]", "", statement.text).split()[:4])
        assert first_words in option.group(1) and "selected" in option.group(0)

    def test_a_key_that_names_nothing_is_refused(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        data = _form(author_client, _change(scenario))
        data["must_show"] = [*data["must_show"], "no-such-item"]
        page = _page(author_client.post(_change(scenario), data))
        assert "no-such-item is not one of the available choices" in _errors_of(page, "must_show")
        assert "no-such-item" not in Scenario.objects.get(pk=scenario.pk).must_show

    def test_the_same_item_cannot_be_both_required_and_forbidden(self, author_client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        data = _form(author_client, _change(scenario))
        data["must_not_show"] = [*data["must_not_show"], data["must_show"][0]]
        page = _page(author_client.post(_change(scenario), data))
        assert "Both must and must not show" in page

    def test_an_item_leaving_the_edition_stays_listed_marked_until_it_is_taken_out(self, author_client, first_edition):
        draft = edition_clone(source=first_edition)
        services.item_remove(
            item=draft.items.get(key="vcf-mobilise").as_concrete(), user=person("board-author", "Author")
        )
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        page = _page(author_client.get(_change(scenario)))
        select = re.search(r'<select name="must_show".*?</select>', page, re.S).group(0)
        group = re.search(r'<optgroup label="No longer offered[^"]*">(.*?)</optgroup>', select, re.S)
        assert group and "vcf-mobilise" in group.group(1) and "marked for removal" in group.group(1)
        data = _form(author_client, _change(scenario))
        data["must_show"] = [key for key in data["must_show"] if key != "vcf-mobilise"]
        assert author_client.post(_change(scenario), data).status_code == 302
        assert "vcf-mobilise" not in Scenario.objects.get(pk=scenario.pk).must_show

    def test_the_form_asks_the_newest_editions_questions(self, author_client, first_edition):
        draft = edition_clone(source=first_edition)
        add_question(draft, AGE)
        assert Edition.objects.order_by("-number").first() == draft
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        page = _page(author_client.get(_change(scenario)))
        assert 'name="answer__age"' in page and "Age (years)" in page
        data = _form(author_client, _change(scenario))
        data["answer__age"] = ["130"]
        assert "120" in _errors_of(_page(author_client.post(_change(scenario), data)), "answer__age")
        data["answer__age"] = ["71"]
        assert author_client.post(_change(scenario), data).status_code == 302
        assert Scenario.objects.get(pk=scenario.pk).answers["age"] == 71


class TestReadingAScenario:
    def test_a_reviewer_reads_the_patient_and_the_items_in_words(self, client, first_edition):
        log_in(client, "scenario-reviewer", role="Reviewer")
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        page = _page(client.get(_change(scenario)))
        assert "<dt>Site of the edema</dt><dd>Spine</dd>" in page
        assert "Step 3: Prior treatment" in page
        assert '"site"' not in page and "vertebral_fracture, vcf" not in page
        assert "The pathway itself:" in page and "(vcf-augmentation-after-3-months)" in page

    def test_the_review_page_and_the_history_say_what_changed_in_words(self, author_client, client):
        scenario = Scenario.objects.get(key="vcf-12-weeks-no-change")
        approve_scenarios()
        data = _form(author_client, _change(scenario))
        data["answer__response"] = ["improving"]
        data["must_show"] = [key for key in data["must_show"] if key != "vcf-mobilise"]
        assert author_client.post(_change(scenario), data).status_code == 302
        review = _page(author_client.get(reverse("admin:content_scenario_review", args=[scenario.pk])))
        history = _page(author_client.get(reverse("admin:content_scenario_history", args=[scenario.pk])))
        for page in (review, history):
            text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
            said = re.search(r"Response so far: (.{0,60})", text).group(1)
            assert "No change" in said and "Improving" in text  # the answer it had, and the new one
            assert "Weeks of conservative treatment so far: 12" in text
            assert "(vcf-mobilise)" in text  # the dropped item, named by its text and key
            assert '{"' not in text and "{'" not in text  # no JSON or Python dicts


def test_a_questions_help_text_is_shown_as_text_in_the_admin_and_the_wizard(author_client, first_edition):
    from django.template.loader import render_to_string

    from bme_wizard.clinic.forms import step_form
    from bme_wizard.content.models.items import edition_vocabulary

    draft = edition_clone(source=first_edition)
    add_question(draft, {**AGE, "help_text": "Say <b>which</b> & why."})
    escaped = "Say &lt;b&gt;which&lt;/b&gt; &amp; why."
    page = author_client.get(_change(Scenario.objects.first())).content.decode()
    assert escaped in page and "<b>which</b>" not in page
    form = step_form("context", edition_vocabulary(draft.pk))()
    age = form.vocabulary["age"]
    wizard = render_to_string("clinic/wizard/_question.html", {"node": {"field": form["age"], "question": age}})
    assert escaped in wizard and "&amp;lt;" not in wizard  # text, escaped once
