"""Edition snapshots: a fixed number of queries, cached per revision, never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bme_wizard.content.models import Edition, Recommendation
from bme_wizard.content.snapshot import build_snapshot, edition_snapshot
from tests.conftest import publish_without_checks
from tests.editorial import approve, change

pytestmark = pytest.mark.django_db


def _queries(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_building_a_snapshot_takes_the_same_queries_whatever_the_size(first_edition, draft_edition):
    assert _queries(lambda: build_snapshot(first_edition)) == _queries(lambda: build_snapshot(draft_edition))


def test_a_snapshot_is_built_once_per_revision(first_edition):
    first = edition_snapshot(first_edition)
    assert _queries(lambda: edition_snapshot(first_edition)) == 0
    assert edition_snapshot(first_edition) is first


def test_a_review_status_change_gives_a_new_snapshot(first_edition):
    before = edition_snapshot(first_edition)
    recommendation = Recommendation.objects.get(edition=first_edition, key="vcf-mobilise")
    approve(recommendation)
    first_edition.refresh_from_db()
    after = edition_snapshot(first_edition)
    assert after is not before
    assert next(r for r in after.recommendations if r.key == "vcf-mobilise").review_status == "approved"


def test_editing_a_draft_gives_a_new_snapshot(draft_edition):
    before = edition_snapshot(draft_edition)
    recommendation = Recommendation.objects.get(edition=draft_edition)
    change(recommendation, conditions=[{"question": "site", "operator": "equals", "value": "hip"}])
    draft_edition.refresh_from_db()
    after = edition_snapshot(draft_edition)
    assert after.recommendations[0].rule.conditions and not before.recommendations[0].rule.conditions


def test_publishing_changes_status_in_the_snapshot_of_the_superseded_edition(first_edition, draft_edition):
    assert edition_snapshot(first_edition).status == "published"
    publish_without_checks(draft_edition)
    assert edition_snapshot(Edition.objects.get(pk=first_edition.pk)).status == "superseded"


def test_markdown_is_rendered_in_the_snapshot(first_edition):
    snapshot = edition_snapshot(first_edition)
    rim = next(r for r in snapshot.recommendations if r.key == "workup-dce-rim")
    assert "<strong>osteonecrosis</strong>" in rim.text_html


def test_publishing_a_new_edition_makes_the_next_request_use_it(client, first_edition, draft_edition):
    assert "Management of bone marrow edema" in client.get("/guideline/").content.decode()  # cached now
    publish_without_checks(draft_edition)
    page = client.get("/guideline/").content.decode()
    assert "Draft for tests" in page and "Do the first thing." in page
    assert "For pain relief, start with an NSAID." not in page
