"""“What changed for this case”: a saved assessment's plan beside the plan under the newer edition."""

import pytest

from bme_wizard.clinic.models import Assessment
from bme_wizard.content.services import edition_clone
from tests.conftest import answers, publish_without_checks
from tests.editorial import second_edition_with_changes
from tests.wizard_walk import walk

pytestmark = pytest.mark.django_db

TRANSIENT = answers(context="transient_bme", response="no_change", symptom_weeks=12, conservative_weeks=10)


def _changes_url(summary_url):
    return f"{summary_url}changes/"


def _between(html, start, end):
    return html[html.index(start) : html.index(end, html.index(start))]


def test_a_newer_edition_shows_what_changed_for_this_case(client, first_edition):
    summary_url = walk(client, TRANSIENT)
    publish_without_checks(second_edition_with_changes(first_edition))

    summary = client.get(summary_url).content.decode()
    assert f'<a href="{_changes_url(summary_url)}">What changed for this case</a>' in summary

    response = client.get(_changes_url(summary_url))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    differences = _between(html, 'id="changes-title"', "</section>")
    assert "No change for this case" not in differences
    # Removed for this patient, and reworded (word diff), under their own headings.
    removed = _between(differences, "Statements no longer shown", "</ul>")
    assert "self-limiting" in removed and "<del>" in removed
    reworded = _between(differences, "Statements reworded or regraded", "</ul>")
    assert '<span class="visually-hidden">[added: </span> with crutches' in reworded
    # A pitfall with no conditions, added in Edition 2, applies to this patient too.
    assert "Do not read a &lt;b&gt;single&lt;/b&gt; MRI as proof of healing." in _between(
        differences, "Pitfalls", "</ul>"
    )
    # The regraded NSAID statement is for vertebral fractures: not this patient's plan.
    assert "Strength" not in differences
    # Both plans, side by side, the differences marked in each.
    given = _between(html, 'id="plan-given-title"', "</section>")
    now = _between(html, 'id="plan-now-title"', "</section>")
    assert "As given: Edition 1" in given and "Now: Edition 2" in now
    assert "No longer shown" in given and "self-limiting" in given and "self-limiting" not in now
    assert '<span class="mark-badge">New</span>' in now
    assert Assessment.objects.count() == 1


def test_the_same_plan_under_a_newer_edition_says_no_change(client, first_edition):
    summary_url = walk(client, TRANSIENT)
    publish_without_checks(edition_clone(source=first_edition))
    html = client.get(_changes_url(summary_url)).content.decode()
    assert "No change for this case." in html
    assert "Now: Edition 2" in html


def test_an_assessment_on_the_current_edition_has_nothing_to_compare(client, first_edition):
    summary_url = walk(client, TRANSIENT)
    assert "What changed for this case" not in client.get(summary_url).content.decode()
    response = client.get(_changes_url(summary_url))
    assert response.status_code == 200
    assert "already uses the current edition, Edition 1: nothing has changed" in response.content.decode()


def test_questions_the_saved_answers_lack_are_named(client, first_edition):
    # As if the vocabulary had grown since: an answer that is now required is missing.
    lacking = {key: value for key, value in TRANSIENT.items() if key != "vitamin_d_calcium"}
    assessment = Assessment.objects.create(edition=first_edition, answers=lacking)
    publish_without_checks(edition_clone(source=first_edition))
    html = client.get(f"/a/{assessment.token}/changes/").content.decode()
    assert "Some questions were not asked when this assessment was made." in html
    assert "<li>Vitamin D and calcium status</li>" in html


@pytest.mark.parametrize("token", ["short", "x" * 40, "not/a-token-at-all", "AAAAAAAAAAAAAAAAAAAAAA"])
def test_a_bad_token_is_not_found(client, first_edition, token):
    assert client.get(f"/a/{token}/changes/").status_code == 404
