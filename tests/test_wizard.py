"""The clinician wizard and the pathway summary, through Django's test client."""

import re

import pytest
from django.contrib.sessions.models import Session

from bme_wizard.clinic.models import Assessment
from tests.conftest import answers, publish_without_checks
from tests.wizard_walk import post_step, start, step_data, walk

pytestmark = pytest.mark.django_db

CONTEXTS = {
    "vertebral_fracture": ({"fracture_cause": "osteoporotic"}, "Vertebral compression fracture", "vcf-mobilise"),
    "rheumatoid_arthritis": ({}, "Inflammatory arthropathy", "ia-predictor-ra"),
    "axial_spa": ({}, "Inflammatory arthropathy", "workup-look-for-structural"),
    "transient_bme": ({}, "Transient bone marrow edema syndrome", "tbme-conservative"),
    "charcot_foot": ({"foot_signs": ["ulcer"]}, "Charcot neuroarthropathy", "charcot-suspect-osteomyelitis"),
    "multiple_myeloma": ({"fracture_cause": "myeloma"}, "Multiple myeloma", "myeloma-treat-malignancy"),
    "cno": ({}, "Chronic non-bacterial osteitis", "cno-mri-activity"),
}


def statement_text(snapshot_key, first_edition):
    from bme_wizard.content.models import EditionItem

    item = EditionItem.objects.get(edition=first_edition, key=snapshot_key)
    return (getattr(item, "recommendation", None) or item.pitfall).text.split(".")[0].replace("**", "")


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_a_complete_walk_of_each_clinical_context(client, first_edition, context):
    extra, headline, key = CONTEXTS[context]
    summary_url = walk(client, answers(context=context, **extra))
    assessment = Assessment.objects.get()
    assert assessment.answers["context"] == context
    assert assessment.edition == first_edition
    html = client.get(summary_url).content.decode().replace("<strong>", "").replace("</strong>", "")
    assert headline in html
    assert statement_text(key, first_edition) in html
    assert "Pending review" in html and 'id="ref-1"' in html


def test_what_is_saved_is_coded_answers_and_nothing_else(client, first_edition):
    walk(client, answers(context="cno"))
    assessment = Assessment.objects.get()
    assert set(assessment.answers) <= set(answers(context="cno"))
    assert len(assessment.token) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", assessment.token)
    assert {f.name for f in Assessment._meta.get_fields()} == {"id", "token", "edition", "answers", "run", "created_at"}


def test_back_keeps_what_was_entered_on_the_current_step(client, first_edition):
    url = start(client)
    post_step(client, url, "mri", answers())
    # On step 2, type answers, then go back without continuing.
    typed = answers(context="transient_bme", vitamin_d_calcium="abnormal")
    response = post_step(client, url, "context", typed, wizard_goto_step="mri")
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Step 1 of 3: MRI findings" in page
    assert 'value="yes" checked' in page  # step 1's own answers are shown again
    post_step(client, url, "mri", answers())
    page = client.get(url).content.decode()
    assert "Step 2 of 3" in page
    assert 'value="abnormal" checked' in page and 'value="transient_bme" checked' in page


def test_refresh_shows_the_current_step_not_a_restart(client, first_edition):
    url = start(client)
    post_step(client, url, "mri", answers())
    for _ in range(2):
        assert "Step 2 of 3: Clinical context" in client.get(url).content.decode()


def test_two_runs_in_one_session_stay_independent(client, first_edition):
    first, second = start(client), start(client)
    assert first != second
    post_step(client, first, "mri", answers(site="hip"))
    post_step(client, second, "mri", answers(site="knee"))
    post_step(client, first, "context", answers(context="transient_bme"))
    assert "Step 3 of 3" in client.get(first).content.decode()
    assert "Step 2 of 3" in client.get(second).content.decode()
    for url, context in ((first, "transient_bme"), (second, "cno")):
        post_step(client, url, "context", answers(context=context))
        response = post_step(client, url, "treatment", answers())
        assert response.status_code == 302
    saved = {a.answers["site"]: a.answers["context"] for a in Assessment.objects.all()}
    assert saved == {"hip": "transient_bme", "knee": "cno"}


def test_an_expired_session_gets_a_friendly_page(client, first_edition):
    url = start(client)
    post_step(client, url, "mri", answers())
    Session.objects.all().delete()
    response = post_step(client, url, "context", answers())
    assert response.status_code == 404
    assert "This assessment has expired" in response.content.decode()
    assert not Assessment.objects.exists()


def test_an_unknown_run_id_gets_the_same_friendly_page(client, first_edition):
    response = client.get("/assess/not-a-run/")
    assert response.status_code == 404
    assert "Start a new assessment" in response.content.decode()


class TestTamperedPosts:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"site": "elbow"}, "Select a valid choice. elbow is not one of the available choices."),
            ({"sequences": ["stir", "x-ray"]}, "Select a valid choice. x-ray is not one of the available choices."),
            ({"site": "hand_wrist", "ramris_bme": 99}, "less than or equal to 69"),
            ({"structural_findings": ["none", "erosions"]}, "cannot be combined"),
        ],
    )
    def test_values_outside_the_vocabulary_are_form_errors(self, client, first_edition, change, message):
        url = start(client)
        response = post_step(client, url, "mri", answers(**change))
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html and "Please check the answers marked below." in html

    def test_a_missing_management_form_is_refused_with_a_message(self, client, first_edition):
        url = start(client)
        data = step_data(url, "mri", answers())
        data.pop(next(key for key in data if key.endswith("-current_step")))
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "incomplete or had been altered" in response.content.decode()
        assert "Step 1 of 3" in response.content.decode()

    def test_a_forged_step_name_is_refused(self, client, first_edition):
        url = start(client)
        data = step_data(url, "mri", answers())
        data[next(key for key in data if key.endswith("-current_step"))] = ["billing"]
        response = client.post(url, data, follow=True)
        assert "incomplete or had been altered" in response.content.decode()

    def test_a_jump_to_a_step_not_reached_is_refused(self, client, first_edition):
        url = start(client)
        response = client.post(url, step_data(url, "treatment", answers()), follow=True)
        html = response.content.decode()
        assert "that step has not been reached yet" in html and "Step 1 of 3" in html
        response = client.post(url, step_data(url, "mri", answers(), wizard_goto_step="treatment"), follow=True)
        assert "that step has not been reached yet" in response.content.decode()
        assert not Assessment.objects.exists()

    def test_a_replay_after_completion_changes_nothing(self, client, first_edition):
        url = start(client)
        for step in ("mri", "context", "treatment"):
            post_step(client, url, step, answers())
        response = post_step(client, url, "treatment", answers())
        assert response.status_code == 409
        assert "already complete" in response.content.decode()
        assert Assessment.objects.count() == 1

    def test_a_stale_earlier_page_continues_from_there(self, client, first_edition):
        url = start(client)
        post_step(client, url, "mri", answers())
        post_step(client, url, "context", answers())
        # The browser's back button showed step 1 again and it is re-submitted.
        response = post_step(client, url, "mri", answers(site="hip"))
        assert response.status_code == 302
        assert "Step 2 of 3" in client.get(url).content.decode()


class TestFoundInReview:
    def test_htmx_requests_to_an_expired_run_are_sent_to_the_friendly_page(self, client, first_edition):
        url = start(client)
        Session.objects.all().delete()
        response = client.post(url, step_data(url, "mri", answers()), headers={"HX-Request": "true"})
        assert response.status_code == 200 and response["HX-Redirect"] == url
        assert "This assessment has expired" in client.get(url).content.decode()

    def test_only_the_steps_own_fields_reach_the_session(self, client, first_edition):
        url = start(client)
        junk = {f"junk{i}": ["x" * 1000] for i in range(300)}
        post_step(client, url, "mri", answers(), **junk)
        post_step(client, url, "context", answers(), wizard_goto_step="mri", **junk)
        session = client.session
        stored = {
            key
            for value in session.values()
            if isinstance(value, dict) and "step_data" in value
            for step in value["step_data"].values()
            for key in step
        }
        assert stored and not any(key.startswith("junk") for key in stored)
        assert len(Session.objects.get().session_data) < 10_000

    def test_reading_a_run_does_not_rewrite_the_session(self, client, first_edition):
        url = start(client)
        post_step(client, url, "mri", answers())
        response = client.get(url)
        assert response.wsgi_request.session.modified is False
        response = client.post(
            url, step_data(url, "context", answers(), _reveal="context"), headers={"HX-Request": "true"}
        )
        assert response.wsgi_request.session.modified is False

    def test_a_revealed_question_is_not_marked_as_an_error_before_it_is_answered(self, client, first_edition):
        url = start(client)
        response = client.post(
            url, step_data(url, "mri", {"mri_done": "yes"}, _reveal="mri_done"), headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert 'id="dependents-mri_done"' in html and "Site of the edema" in html
        assert "This question is required." not in html

    def test_saving_the_same_run_twice_saves_one_assessment(self, first_edition):
        from bme_wizard.clinic.services import assessment_create

        first = assessment_create(answers=answers(), edition=first_edition, run="run-once")
        again = assessment_create(answers=answers(), edition=first_edition, run="run-once")
        assert first.pk == again.pk and Assessment.objects.count() == 1

    def test_the_summary_says_when_the_mri_showed_no_edema_in_reviewed_content(self, client, first_edition):
        from bme_wizard.content.models import Recommendation

        def text(key):
            return Recommendation.objects.get(edition=first_edition, key=key).text.split(".")[0]

        html = client.get(walk(client, answers(bme_on_fluid_sensitive="no"))).content.decode()
        assert text("workup-no-edema") in html
        html = client.get(walk(client, answers(bme_on_fluid_sensitive="unsure"))).content.decode()
        assert text("workup-edema-uncertain") in html
        html = client.get(walk(client, answers(mri_done="no"))).content.decode()
        assert text("workup-obtain-mri") in html

    def test_the_summary_says_where_the_content_comes_from_and_when_it_was_updated(self, client, first_edition):
        html = client.get(walk(client, answers())).content.decode()
        assert "Where this content comes from:" in html and "machine-written summary" in html
        assert 'content last updated <time datetime="2025-11-04">4 November 2025</time>' in html

    def test_the_patient_page_has_no_clinician_instructions(self, client, first_edition, draft_edition):
        summary_url = walk(client, answers(context="transient_bme"))
        publish_without_checks(draft_edition)
        patient = client.get(summary_url + "patient/").content.decode()
        for clinician_only in ("check each statement's review status", "Edit answers", "for healthcare professionals"):
            assert clinician_only not in patient
        assert "still being checked by the doctors" in patient

    def test_the_note_lists_the_answers_and_each_statements_grading(self, client, first_edition):
        html = client.get(walk(client, answers(context="transient_bme"))).content.decode()
        note = html[html.index('<textarea id="clinical-note"') : html.index("</textarea>")]
        assert "Clinical context: Transient bone marrow edema syndrome" in note
        assert "Strength: Not graded; certainty of evidence: Not graded" in note


class TestSummary:
    def test_the_permalink_renders_the_same_advice_after_a_newer_edition(self, client, first_edition, draft_edition):
        summary_url = walk(client, answers(context="transient_bme"))
        before = client.get(summary_url).content.decode()
        publish_without_checks(draft_edition)
        after = client.get(summary_url).content.decode()
        assert "A newer edition exists" in after and "Edition 50" in after
        for text in ("Treat conservatively with NSAIDs", "Based on Edition 1"):
            assert text in before and text in after

    def test_tried_why_and_note(self, client, first_edition):
        summary_url = walk(client, answers(context="transient_bme", treatments_tried=["nsaids"]))
        html = client.get(summary_url).content.decode()
        assert "Already tried:</strong> NSAIDs</p>" in html
        assert "Why this applies" in html and "“Clinical context” is Transient bone marrow edema syndrome" in html
        note = html[html.index('<textarea id="clinical-note"') : html.index("</textarea>")]
        assert "Permalink: http://testserver" + summary_url in note
        assert "Edition 1" in note and "Treat conservatively with NSAIDs" in note

    def test_the_patient_version_uses_plain_language_and_the_same_references(self, client, first_edition):
        summary_url = walk(client, answers(context="transient_bme"))
        clinician = client.get(summary_url).content.decode()
        patient = client.get(summary_url + "patient/").content.decode()
        assert "Anti-inflammatory painkillers and taking weight off the painful joint" in patient
        assert "Treat conservatively with NSAIDs" not in patient

        def references(html):
            start = html.index('<ol class="reference-list">')
            return html[start : html.index("</ol>", start)]

        assert references(patient) == references(clinician)

    def test_edit_answers_opens_a_new_run_filled_in(self, client, first_edition):
        summary_url = walk(client, answers(context="transient_bme", vitamin_d_calcium="unknown"))
        response = client.post(summary_url + "edit/")
        assert response.status_code == 302 and response["Location"].startswith("/assess/")
        url = response["Location"]
        assert 'value="yes" checked' in client.get(url).content.decode()
        post_step(client, url, "mri", answers())
        assert 'value="unknown" checked' in client.get(url).content.decode()

    @pytest.mark.parametrize("token", ["unknown-token-abcdefghij", "x", "bad$token%%%%%%%%%%%%%%"])
    def test_an_unknown_or_malformed_token_is_a_404_in_the_product_style(self, client, first_edition, token):
        response = client.get(f"/a/{token}/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_the_pages_behind_a_permalink_are_never_indexed_or_cached(client, first_edition):
    summary_url = walk(client, answers(context="cno"))
    for url in (summary_url, summary_url + "patient/", summary_url + "changes/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]


def _field_error(html, key):
    """The error message shown under one question of the step."""
    block = html[html.index(f'id="question-{key}"') :]
    return block[block.index('class="field-error"') : block.index("</p>", block.index('class="field-error"'))]


class TestAnswersThatContradictEachOther:
    def test_a_dce_pattern_without_the_dce_sequence_is_refused_on_the_mri_step(self, client, first_edition):
        url = start(client)
        response = post_step(client, url, "mri", answers(dce_pattern="rim", sequences=["stir", "t1"]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Step 1 of 3: MRI findings" in html and "Please check the answers marked below." in html
        assert "“Sequences acquired” (STIR, T1-weighted) does not include" in _field_error(html, "dce_pattern")
        assert "“Dynamic contrast-enhanced MRI pattern” (Rim of" in _field_error(html, "sequences")
        assert "Step 1 of 3" in client.get(url).content.decode()  # not moved on
        assert (
            post_step(client, url, "mri", answers(dce_pattern="rim", sequences=["stir", "t1", "dce"])).status_code
            == 302
        )

    def test_weeks_of_symptoms_are_not_asked_since_no_statement_turns_on_them(self, client, first_edition):
        url = start(client)
        post_step(client, url, "mri", answers())
        page = client.get(url).content.decode()
        assert "Step 2 of 3" in page and 'name="context-symptom_weeks"' not in page
        walk(client, answers(symptom_weeks=1, conservative_weeks=10))  # a stray post of it is ignored
        assert "symptom_weeks" not in Assessment.objects.get().answers

    def test_consistent_answers_still_pass(self, client, first_edition):
        walk(client, answers(symptom_weeks=10, conservative_weeks=10, dce_pattern="spot", sequences=["stir", "dce"]))
        assert Assessment.objects.count() == 1

    def test_a_saved_assessment_is_checked_too(self, first_edition):
        from bme_wizard.clinic.services import assessment_create
        from bme_wizard.pathway.answers import AnswersError

        with pytest.raises(AnswersError):
            assessment_create(answers=answers(symptom_weeks=1, conservative_weeks=2), edition=first_edition)
        assert not Assessment.objects.exists()
