"""prune_assessments, and what an assessment holds: coded answers only, never free text."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bme_wizard.clinic.models import Assessment
from bme_wizard.clinic.services import assessment_create
from bme_wizard.pathway.answers import AnswersError
from bme_wizard.pathway.vocabulary import QUESTIONS, Kind
from tests.conftest import answers
from tests.wizard_walk import start, step_data

pytestmark = pytest.mark.django_db


def saved_days_ago(edition, days):
    assessment = assessment_create(answers=answers(), edition=edition)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=timezone.now() - timedelta(days=days))
    return assessment


@pytest.fixture
def by_age(first_edition):
    return {days: saved_days_ago(first_edition, days) for days in (1, 29, 31, 400)}


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("prune_assessments", *args, stdout=out)
    return out.getvalue()


def test_deletes_only_what_is_older_and_its_permalink_then_404s(client, by_age):
    assert run("--older-than-days", "30").startswith("Deleted 2 assessments saved before ")
    assert set(Assessment.objects.values_list("pk", flat=True)) == {by_age[1].pk, by_age[29].pk}
    assert client.get(f"/a/{by_age[400].token}/").status_code == 404
    assert client.get(f"/a/{by_age[29].token}/").status_code == 200


def test_dry_run_counts_and_deletes_nothing(by_age):
    assert run("--older-than-days", "30", "--dry-run").startswith("Would delete 2 assessments saved before ")
    assert Assessment.objects.count() == 4


def test_the_default_comes_from_assessment_retention_days(by_age, settings):
    settings.ASSESSMENT_RETENTION_DAYS = 365
    assert "Deleted 1 assessment saved before" in run()
    assert Assessment.objects.count() == 3


def test_without_a_period_nothing_is_deleted(by_age, settings):
    settings.ASSESSMENT_RETENTION_DAYS = None
    with pytest.raises(CommandError, match="Give --older-than-days N or set ASSESSMENT_RETENTION_DAYS"):
        run()
    with pytest.raises(CommandError, match="at least 1"):
        run("--older-than-days", "0")
    assert Assessment.objects.count() == 4


def assert_coded(stored: dict) -> None:
    """Every stored answer is a vocabulary key with a vocabulary value or an integer in range."""
    for key, value in stored.items():
        question = QUESTIONS[key]
        if question.kind is Kind.INTEGER:
            assert value is None or (type(value) is int and question.minimum <= value <= question.maximum), key
        elif question.kind is Kind.MULTI:
            assert isinstance(value, list) and set(value) <= set(question.values), key
        else:
            assert value in question.values, key


def test_the_wizard_stores_coded_answers_only_whatever_is_posted(client, first_edition):
    url = start(client)
    hostile = "Jane Doe, born 1970-01-01, MRN 12345 <script>alert(1)</script>"
    patient = answers(context="transient_bme", site="hand_wrist", ramris_bme=3)
    for step in ("mri", "context", "treatment"):
        data = step_data(url, step, patient, notes=hostile, **{f"{step}-patient_name": hostile})
        assert client.post(url, data).status_code == 302
    stored = Assessment.objects.get().answers
    assert_coded(stored)
    assert hostile not in str(stored) and "patient_name" not in stored and "notes" not in stored


def test_free_text_in_a_coded_answer_is_refused_not_stored(client, first_edition):
    url = start(client)
    data = step_data(url, "mri", answers(site="Jane Doe's left knee"))
    response = client.post(url, data)
    assert response.status_code == 200  # the step again, with the error
    assert not Assessment.objects.exists()
    with pytest.raises(AnswersError):
        assessment_create(answers=answers(patient_name="Jane Doe"), edition=first_edition)


def test_every_saved_assessment_across_contexts_is_coded(first_edition):
    import random

    from benchmarks.editions import random_answers

    rng = random.Random(5)  # noqa: S311 - seeded test data
    for _ in range(50):
        assessment_create(answers=random_answers(rng), edition=first_edition)
    for stored in Assessment.objects.values_list("answers", flat=True):
        assert_coded(stored)
