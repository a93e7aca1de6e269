"""Questions are guideline content: each edition holds its own, written and reviewed like its items.

The first edition's questions are the vocabulary every saved assessment, scenario and API client
was written against; a draft may add questions (an age, a kidney function) and statements that
turn on them, and once published the API and the wizard ask and check them for that edition only.
"""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bme_wizard.clinic.services import assessment_create
from bme_wizard.content import services
from bme_wizard.content.edition_file import EditionFileError, edition_document, read_edition
from bme_wizard.content.models import Condition, Edition, EditionImmutableError, Question, Recommendation, Scenario
from bme_wizard.content.selectors import edition_diff
from bme_wizard.content.services import WorkflowError
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.plan import build_plan
from bme_wizard.pathway.vocabulary import QUESTIONS
from tests.conftest import FIRST_EDITION_FILE, answers, small_edition_document
from tests.editorial import approve, approve_everything, approve_scenarios, change, person, publish

pytestmark = pytest.mark.django_db

# Optional: a required new question would fail every scenario written before it (they do not answer it).
AGE = {
    "key": "age",
    "step": "context",
    "kind": "integer",
    "label": "Age (years)",
    "minimum": 0,
    "maximum": 120,
    "optional": True,
}
KIDNEY = {
    "key": "kidney_function",
    "step": "context",
    "kind": "choice",
    "label": "Kidney function",
    "options": [{"code": "normal", "label": "Normal"}, {"code": "reduced", "label": "Reduced"}],
    "optional": True,
}


def statements(page):
    """The statement texts of a summary page, in order."""
    return re.findall(r'<div class="statement-text">(.*?)</div>', page, flags=re.S)


def add_question(edition, fields, *, order=900):
    return services.item_create(
        edition=edition, kind=Question, user=person("board-author", "Author"), fields={"order": order, **fields}
    )


def question(edition, key):
    return Question.objects.get(edition=edition, key=key)


def statement_on(draft, key, *conditions):
    """A recommendation of the draft that applies when ``conditions`` hold (beside the work-up, which
    every patient gets)."""
    first = Recommendation.objects.get(edition=draft, key="workup-identify-cause")
    return services.item_create(
        edition=draft,
        kind=Recommendation,
        user=person("board-author", "Author"),
        fields={
            "key": key,
            "pathway": first.pathway,
            "section": "first_line",
            "text": f"Advice for {key}.",
            "order": 999,
        },
        conditions=list(conditions),
        citations=[{"reference": first.citations.first().reference.key, "part": "statement"}],
    )


class TestTheFirstEditionsQuestions:
    def test_they_are_the_vocabulary_every_client_was_written_against(self, first_edition):
        stored = edition_snapshot(first_edition).vocabulary
        assert stored.to_data() == QUESTIONS.to_data()
        document = json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))
        assert [q["key"] for q in document["questions"]] == list(QUESTIONS)

    def test_a_new_draft_carries_them_and_a_published_edition_keeps_them(self, first_edition, draft):
        assert [q.key for q in Question.objects.filter(edition=draft).order_by("order")] == list(QUESTIONS)
        with pytest.raises(EditionImmutableError):
            change(question(first_edition, "site"), label="Where is the edema?")

    def test_an_edition_file_carries_its_questions_there_and_back(self, first_edition):
        document = edition_document(first_edition)
        assert [q["key"] for q in document["questions"]] == list(QUESTIONS)
        document["edition"]["number"] = 77
        draft = read_edition(document)
        read = [item.instance for item in draft.items if isinstance(item.instance, Question)]
        assert [q.as_data() for q in read] == [q.as_data() for q in Question.objects.filter(edition=first_edition)]


class TestAnAuthorAddsQuestions:
    def test_a_new_question_and_a_statement_on_it_reach_the_plan_of_that_edition_only(self, first_edition, draft):
        add_question(draft, AGE)
        statement_on(draft, "older-patients", {"question": "age", "operator": "at_least", "value": "65"})
        vocabulary = edition_snapshot(draft).vocabulary
        assert vocabulary["age"].bounds == (0, 120)
        plan = build_plan({**answers(), "age": 70}, edition_snapshot(draft))
        assert "older-patients" in [item.entry.key for item in plan.recommendations]
        assert "age" not in edition_snapshot(first_edition).vocabulary

    def test_changes_since_approval_speak_in_the_drafts_own_questions(self, first_edition, draft):
        from bme_wizard.content.selectors import changes_since_approval

        add_question(draft, AGE)
        older = statement_on(draft, "older-patients", {"question": "age", "operator": "at_least", "value": "65"})
        approve(older, reviewer=person("board-reviewer", "Reviewer"), author=person("board-author", "Author"))
        changed = change(
            Recommendation.objects.get(pk=older.pk),
            conditions=[{"question": "age", "operator": "at_least", "value": "70"}],
            treatments=["nsaids"],
        )
        lines = {c.name: (c.old, c.new) for c in changes_since_approval(changed)}
        assert lines["Applies when"] == ("“Age (years)” is at least 65", "“Age (years)” is at least 70")
        assert lines["Treatments"][1] == QUESTIONS["treatments_tried"].label_for("nsaids")

    def test_once_published_the_api_checks_the_new_answers_and_old_assessments_render_unchanged(
        self, client, first_edition, draft
    ):
        saved = assessment_create(answers=answers(context="transient_bme"), edition=first_edition)
        before = client.get(reverse("clinic:summary", args=[saved.token])).content.decode()
        add_question(draft, AGE)
        statement_on(draft, "older-patients", {"question": "age", "operator": "at_least", "value": "65"})
        approve_scenarios()
        approve_everything(draft)
        publish(draft)

        def plan(age):
            body = {"answers": {**answers(), "age": age}}
            return client.post("/api/v1/plan", json.dumps(body), content_type="application/json")

        refused = plan(130)
        assert refused.status_code == 400
        assert list(refused.json()["errors"]) == ["answers.age"]
        shown = plan(70).json()
        assert "older-patients" in [statement["key"] for statement in shown["recommendations"]]
        # Edition 1 did not ask it: a request for edition 1 with an age is refused as an unknown question.
        old = {"answers": {**answers(), "age": 70}, "edition": 1}
        response = client.post("/api/v1/plan", json.dumps(old), content_type="application/json")
        assert response.json()["errors"] == {"answers.age": ["Unknown question."]}
        # The document of the current edition describes the age; edition 1's does not.
        document = client.get(reverse("clinic:api-openapi")).json()
        assert "age" in document["components"]["schemas"]["Answers"]["properties"]
        old_document = client.get(reverse("clinic:api-openapi"), {"edition": 1}).json()
        assert "age" not in old_document["components"]["schemas"]["Answers"]["properties"]
        # The assessment saved under edition 1 renders as before: its own edition's questions and plan.
        page = client.get(reverse("clinic:summary", args=[saved.token])).content.decode()
        assert "Age (years)" not in page
        assert statements(before) and statements(page) == statements(before)

    def test_the_edition_diff_shows_added_and_changed_questions(self, first_edition, draft):
        add_question(draft, KIDNEY)
        change(question(draft, "site"), label="Where is the edema?")
        diff = edition_diff(old=first_edition, new=draft).kind("question")
        assert [item.key for item in diff.added] == ["kidney_function"]
        assert [(item.key, [f.name for f in item.fields]) for item in diff.changed] == [("site", ["Question"])]


class TestBadQuestionsAreRefusedNamingTheItem:
    def test_a_duplicate_key(self, draft):
        with pytest.raises(WorkflowError, match="already has an item with the key site"):
            add_question(draft, {**KIDNEY, "key": "site"})

    def test_asked_when_pointing_at_a_later_step(self, draft):
        later = {**KIDNEY, "asked_when_question": "response", "asked_when_values": ["no_change"]}
        with pytest.raises(ValidationError) as refused:
            add_question(draft, later)
        assert (
            "Question “Kidney function” (kidney_function): “asked when” must name an earlier question of the same step"
            in str(refused.value)
        )

    def test_an_option_removed_while_a_condition_uses_it(self, draft):
        site = question(draft, "site")
        options = [option for option in site.options if option["code"] != "hip"]
        with pytest.raises(WorkflowError) as refused:
            change(site, options=options)
        message = refused.value.messages[0]
        assert message.startswith("Question “Site of the edema” (site): this change would break what uses it:")
        users = {
            row.item.key
            for row in Condition.objects.filter(item__edition=draft, question="site", value__contains="hip")
        }
        assert users and all(key in message for key in users)
        assert question(draft, "site").options == site.options  # nothing half-saved

    def test_a_key_is_never_renamed(self, draft):
        with pytest.raises(WorkflowError, match="cannot be renamed"):
            change(question(draft, "site"), key="edema_site")

    def test_removing_a_question_in_use_names_what_uses_it(self, draft):
        assert Scenario.objects.exists()  # the first edition's scenarios answer its questions
        with pytest.raises(WorkflowError, match=r"cannot be removed while these use it: .*scenario "):
            services.item_remove(item=question(draft, "context"), user=person("board-author", "Author"))

    def test_an_added_question_nothing_uses_goes_outright(self, draft):
        added = add_question(draft, KIDNEY)
        assert services.item_remove(item=added, user=person("board-author", "Author")) is None
        assert not Question.objects.filter(edition=draft, key="kidney_function").exists()

    def test_an_edition_file_with_a_contradictory_question_or_a_condition_on_no_question(self, first_edition):
        document = small_edition_document(number=60)
        document["questions"].append({**KIDNEY, "asked_when": {"question": "response", "values": ["no_change"]}})
        document["pathways"][0]["conditions"] = [{"question": "egfr", "operator": "is_answered"}]
        with pytest.raises(EditionFileError) as refused:
            read_edition(document)
        problems = refused.value.problems
        assert any(
            p.startswith("questions: Question “Kidney function” (kidney_function): “asked when”") for p in problems
        )
        unknown = "pathways[pathway-a].conditions[0].question: This edition has no question with the key 'egfr'."
        assert unknown in problems
        assert not Edition.objects.filter(number=60).exists()


class TestTheQuestionFormInAdmin:
    """An author writes a question's answers one per line and picks "asked when" by label; no JSON."""

    @pytest.fixture
    def author_client(self, client):
        client.force_login(person("form-author", "Author"))
        return client

    def _add(self, client, draft, **fields):
        from tests.forms import form_data

        url = reverse("admin:content_question_add")
        data = form_data(client.get(url).content.decode(), "question_form")
        base = {"edition": draft.pk, "key": "kidney_function", "order": 910, "step": "context", "kind": "choice"}
        data.update({name: [str(value)] for name, value in {**base, **fields}.items()})
        return client.post(url, data)

    def test_answers_written_one_per_line_are_stored_as_codes_and_labels(self, author_client, draft):
        response = self._add(
            author_client,
            draft,
            label="Kidney function",
            options="normal | Normal\n\n reduced|Reduced (eGFR below range) ",
        )
        assert response.status_code == 302
        added = question(draft, "kidney_function")
        assert added.options == [
            {"code": "normal", "label": "Normal"},
            {"code": "reduced", "label": "Reduced (eGFR below range)"},
        ]
        page = author_client.get(reverse("admin:content_question_change", args=[added.pk])).content.decode()
        assert "normal | Normal\nreduced | Reduced (eGFR below range)</textarea>" in page

    def test_a_line_without_a_label_is_a_form_error_naming_the_line(self, author_client, draft):
        response = self._add(author_client, draft, label="Kidney function", options="normal | Normal\nreduced")
        assert response.status_code == 200
        assert "Line 2 (“reduced”): write an answer as its code, a bar and its label." in response.content.decode()
        assert not Question.objects.filter(edition=draft, key="kidney_function").exists()

    def test_asked_when_is_chosen_by_label_and_its_answers_checked(self, author_client, draft):
        page = author_client.get(reverse("admin:content_question_add")).content.decode()
        assert '<option value="context">Clinical context</option>' in page

        def asked_when(values):
            options = "normal | Normal\nreduced | Reduced"
            return self._add(
                author_client,
                draft,
                label="Kidney function",
                options=options,
                asked_when_question="context",
                asked_when_values=values,
            )

        response = asked_when("multiple_myeloma, not_an_answer")
        assert response.status_code == 200
        assert "Question “Kidney function” (kidney_function)" in response.content.decode()
        assert "not_an_answer" in response.content.decode()
        assert not Question.objects.filter(edition=draft, key="kidney_function").exists()
        response = asked_when("multiple_myeloma, vertebral_fracture")
        assert response.status_code == 302
        added = question(draft, "kidney_function")
        assert (added.asked_when_question, added.asked_when_values) == (
            "context",
            ["multiple_myeloma", "vertebral_fracture"],
        )

    def test_a_published_question_and_statement_read_in_words_not_json(self, author_client, first_edition):
        site = question(first_edition, "site")
        page = html.unescape(
            author_client.get(reverse("admin:content_question_change", args=[site.pk])).content.decode()
        )
        assert "spine | Spine<br>" in page and "hand_wrist | " in page
        assert "Asked when “Has an MRI been done?” is Yes." in page
        assert '"code"' not in page and "['" not in page
        nsaids = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")
        page = html.unescape(
            author_client.get(reverse("admin:content_recommendation_change", args=[nsaids.pk])).content.decode()
        )
        label = QUESTIONS["treatments_tried"].label_for("nsaids")
        assert re.search(rf'<div class="readonly">{re.escape(label)}</div>', page)
