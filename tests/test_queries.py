"""Query counts of the summary and each wizard request: pinned, and the same whatever the edition's size.

Issue: a constant number of queries per page, so pages stay fast as the guideline grows.
"""

import pytest

from benchmarks.editions import generated_edition
from bme_wizard.clinic.services import assessment_create
from bme_wizard.content.services import edition_import
from bme_wizard.content.snapshot import clear_snapshot_cache
from tests.conftest import answers
from tests.wizard_walk import start, step_data

pytestmark = pytest.mark.django_db

# Pinned counts, as the test client sees them (savepoints included). A change here is a
# change in how much each page asks of the database: make it on purpose.
SUMMARY_WARM = 1  # the assessment with its edition and the current edition's id (a subquery)
# once per edition revision and process: the edition, its questions, its text, items by kind, conditions, citations
SNAPSHOT_BUILD = 9
WIZARD = {
    "start": 4,  # session: exists? then insert (in a savepoint)
    # session read, current edition, session write (the new run's first step); and, the first time
    # after the test's publication, the edition's snapshot, whose questions make the forms
    "step 1 (GET)": 5 + SNAPSHOT_BUILD,
    "step 1 (POST)": 5,  # session read, current edition, session write
    "step 2 (GET)": 2,  # session read, current edition: a read writes nothing
    "step 2 (POST)": 5,
    "step 3 (POST, saves)": 9,  # also the assessment insert, in its own savepoint for idempotency
}


@pytest.fixture(params=[(10, 0), (1000, 0), (10, 100)], ids=["10 statements", "1000 statements", "100 questions"])
def edition(request, db):
    clear_snapshot_cache()
    statements, questions = request.param
    return edition_import(document=generated_edition(7, statements, questions=questions), publish=True)


def test_summary_queries_do_not_grow_with_the_edition(client, edition, django_assert_num_queries):
    assessment = assessment_create(answers=answers(context="transient_bme"), edition=edition)
    url = f"/a/{assessment.token}/"
    with django_assert_num_queries(SUMMARY_WARM + SNAPSHOT_BUILD):
        assert client.get(url).status_code == 200  # first view builds the snapshot
    with django_assert_num_queries(SUMMARY_WARM):
        assert client.get(url).status_code == 200  # later views reuse it


def test_wizard_queries_do_not_grow_with_the_edition(client, edition, django_assert_num_queries):
    with django_assert_num_queries(WIZARD["start"]):
        url = start(client)
    with django_assert_num_queries(WIZARD["step 1 (GET)"]):
        client.get(url)
    with django_assert_num_queries(WIZARD["step 1 (POST)"]):
        assert client.post(url, step_data(url, "mri", answers())).status_code == 302
    with django_assert_num_queries(WIZARD["step 2 (GET)"]):
        client.get(url)
    with django_assert_num_queries(WIZARD["step 2 (POST)"]):
        assert client.post(url, step_data(url, "context", answers())).status_code == 302
    with django_assert_num_queries(WIZARD["step 3 (POST, saves)"]):
        assert client.post(url, step_data(url, "treatment", answers())).status_code == 302
