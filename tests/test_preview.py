"""Preview: a reviewer walks the wizard against a draft edition; nothing is saved or shared with clinicians."""

import pytest

from bme_wizard.clinic.models import Assessment
from bme_wizard.content.models import Recommendation
from tests.conftest import answers
from tests.editorial import ADDED_PITFALL_TEXT, change, log_in, second_edition_with_changes
from tests.wizard_walk import post_step, start, walk_preview

pytestmark = pytest.mark.django_db

TRANSIENT = answers(context="transient_bme", response="no_change", symptom_weeks=12, conservative_weeks=10)


@pytest.fixture
def draft(first_edition):
    return second_edition_with_changes(first_edition)


def _title(html):
    return html[html.index("<title>") + 7 : html.index("</title>")]


def test_a_reviewer_walks_a_draft_to_its_summary_without_saving(reviewer_client, draft):
    saved = Assessment.objects.count()
    front = reviewer_client.get(f"/preview/{draft.pk}/").content.decode()
    assert "Preview of Edition 2 (Draft)" in _title(front)

    url = reviewer_client.post(f"/preview/{draft.pk}/")["Location"]
    step = reviewer_client.get(url).content.decode()
    assert _title(step).startswith("Preview of Edition 2 (Draft) · MRI findings (step 1 of 3)")
    assert "<strong>Preview</strong> of Edition 2: Second edition for tests" in step

    summary_url = walk_preview(reviewer_client, draft, TRANSIENT)
    html = reviewer_client.get(summary_url).content.decode()
    assert "Preview of Edition 2 (Draft)" in _title(html)
    assert "<strong>Preview</strong> of Edition 2" in html and "Clinicians do not see this edition." in html
    assert "with crutches" in html  # the draft's wording, not the published edition's
    assert "self-limiting" not in html  # removed in the draft
    assert "Transient bone marrow edema syndrome" in html
    assert f'href="/preview/{draft.pk}/">Start again</a>' in html
    assert f'href="/admin/content/edition/{draft.pk}/change/"' in html
    assert Assessment.objects.count() == saved


def test_the_summary_shows_the_draft_as_it_is_now(reviewer_client, draft):
    summary_url = walk_preview(reviewer_client, draft, TRANSIENT)
    change(Recommendation.objects.get(edition=draft, key="tbme-conservative"), text="Edited after the walk.")
    assert "Edited after the walk." in reviewer_client.get(summary_url).content.decode()


def test_a_finished_preview_run_goes_to_its_summary(reviewer_client, draft):
    summary_url = walk_preview(reviewer_client, draft, TRANSIENT)
    run_url = summary_url.removesuffix("summary/")
    response = reviewer_client.get(run_url)
    assert response.status_code == 302 and response["Location"] == summary_url


def test_the_published_edition_may_be_previewed_too(reviewer_client, first_edition):
    html = reviewer_client.get(walk_preview(reviewer_client, first_edition, TRANSIENT)).content.decode()
    assert "This is the edition clinicians see now." in html
    assert "self-limiting" in html


def test_preview_runs_and_clinician_runs_never_share_a_slot(reviewer_client, draft):
    preview_run = reviewer_client.post(f"/preview/{draft.pk}/")["Location"]
    preview_id = preview_run.rstrip("/").rsplit("/", 1)[1]
    clinician_run = start(reviewer_client)
    clinician_id = clinician_run.rstrip("/").rsplit("/", 1)[1]
    # A preview run is unknown to the clinician's wizard, and the other way round.
    assert reviewer_client.get(f"/assess/{preview_id}/").status_code == 404
    assert reviewer_client.get(f"/preview/{draft.pk}/{clinician_id}/").status_code == 404
    # Answers given in one never show in the other.
    post_step(reviewer_client, preview_run, "mri", answers(site="hip"), slot="preview")
    post_step(reviewer_client, clinician_run, "mri", answers(site="knee"))
    session = reviewer_client.session
    assert session[f"wizard_preview_{preview_id}"]["step_data"]["mri"]["mri-site"] == ["hip"]
    assert session[f"wizard_assessment_{clinician_id}"]["step_data"]["mri"]["mri-site"] == ["knee"]
    assert set(session["preview_runs"]) == {preview_id} and set(session["assessment_runs"]) == {clinician_id}


def test_a_preview_run_belongs_to_its_edition(reviewer_client, first_edition, draft):
    run = reviewer_client.post(f"/preview/{draft.pk}/")["Location"]
    run_id = run.rstrip("/").rsplit("/", 1)[1]
    response = reviewer_client.get(f"/preview/{first_edition.pk}/{run_id}/")
    assert response.status_code == 404
    assert "This preview is no longer available" in response.content.decode()
    assert reviewer_client.get(f"/preview/{first_edition.pk}/{run_id}/summary/").status_code == 404


def test_an_unfinished_run_has_no_summary_yet(reviewer_client, draft):
    run = reviewer_client.post(f"/preview/{draft.pk}/")["Location"]
    response = reviewer_client.get(f"{run}summary/")
    assert response.status_code == 302 and response["Location"] == run


@pytest.mark.parametrize(
    "path", ["/preview/99999/", "/preview/99999999999999999999999/", "/preview/{pk}/unknown-run/", "/preview/abc/"]
)
def test_unknown_editions_and_runs_are_not_found(reviewer_client, draft, path):
    assert reviewer_client.get(path.format(pk=draft.pk)).status_code == 404


@pytest.mark.parametrize("suffix", ["", "some-run/", "some-run/summary/"])
def test_anonymous_visitors_are_sent_to_log_in(client, draft, suffix):
    response = client.get(f"/preview/{draft.pk}/{suffix}")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("suffix", ["", "some-run/", "some-run/summary/"])
def test_users_who_are_not_editorial_staff_are_refused(client, draft, suffix):
    log_in(client, "clinician", is_staff=False)
    response = client.get(f"/preview/{draft.pk}/{suffix}")
    assert response.status_code == 403
    assert ADDED_PITFALL_TEXT not in response.content.decode()
    assert client.post(f"/preview/{draft.pk}/").status_code == 403


def test_a_preview_refuses_answers_that_contradict_each_other_on_the_step_that_can_fix_them(reviewer_client, draft):
    url = reviewer_client.post(f"/preview/{draft.pk}/")["Location"]
    patient = {**TRANSIENT, "dce_pattern": "rim", "sequences": ["stir", "t1"]}
    response = post_step(reviewer_client, url, "mri", patient, slot="preview")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview of Edition 2" in html and "“Sequences acquired” (STIR, T1-weighted) does not include" in html
