"""The edition diff in the admin: what an editor sees when comparing two editions."""

import pytest
from django.urls import reverse

from bme_wizard.content.models import Edition, Recommendation
from bme_wizard.content.selectors import edition_diff
from bme_wizard.content.services import edition_clone
from tests.editorial import (
    ADDED_PITFALL,
    REGRADED,
    REMOVED,
    REWORDED,
    log_in,
    second_edition_with_changes,
)
from tests.html import elements

pytestmark = pytest.mark.django_db


def _diff_url(edition, against=None):
    url = reverse("admin:content_edition_diff", args=[edition.pk])
    return url if against is None else f"{url}?against={against}"


@pytest.fixture
def second_edition(first_edition):
    return second_edition_with_changes(first_edition)


def test_a_copied_edition_has_no_differences_but_its_new_summary(first_edition):
    copy = edition_clone(source=first_edition)
    diff = edition_diff(old=first_edition, new=copy)
    assert all(kind.is_empty for kind in diff.kinds if kind.kind != "editiontext")
    # The edition's own text is content too: a new draft starts its "what this edition changes" afresh.
    # and its content is dated by its publication, not by the source the first edition was built from.
    changed = [field.name for item in diff.kind("editiontext").changed for field in item.fields]
    assert changed == ["Summary", "Content last updated at its source"]
    assert diff.kind("recommendation").unchanged == Recommendation.objects.filter(edition=first_edition).count()


def test_the_selector_finds_each_kind_of_change(first_edition, second_edition):
    diff = edition_diff(old=first_edition, new=second_edition)
    recommendations = diff.kind("recommendation")
    assert [item.key for item in recommendations.removed] == [REMOVED]
    assert {item.key for item in recommendations.changed} == {REWORDED, REGRADED, "tbme-imaging-hip"}
    assert [item.key for item in diff.kind("pitfall").added] == [ADDED_PITFALL]
    regraded = next(item for item in recommendations.changed if item.key == REGRADED)
    assert [(f.name, f.old, f.new) for f in regraded.fields] == [("Strength", "Not graded", "Strong")]


def test_the_diff_page_shows_additions_removals_and_word_changes(reviewer_client, first_edition, second_edition):
    response = reviewer_client.get(_diff_url(second_edition, against=first_edition.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "From Edition 1: " in html and " to Edition 2: " in html
    # The reworded statement: only the new words are inserted, with words for screen readers too.
    assert (
        '<ins><span class="visually-hidden">[added: </span> with crutches<span class="visually-hidden">]</span></ins>'
        in html
    )
    assert '<span class="diff-badge">Removed</span>' in html and "self-limiting" in html
    assert '<span class="diff-badge">Added</span>' in html
    # An editor's markup in a new pitfall is shown as text.
    assert "&lt;b&gt;single&lt;/b&gt;" in html and "<b>single</b>" not in html
    assert '<del><span class="visually-hidden">[removed: </span>Not graded' in html
    assert "“Site of the edema” is <del>" in html
    unchanged = Recommendation.objects.filter(edition=first_edition).count() - 4
    assert f"{unchanged} unchanged recommendations not listed." in html
    # Each listed item links to its admin page.
    removed = Recommendation.objects.get(edition=first_edition, key=REMOVED)
    assert reverse("admin:content_recommendation_change", args=[removed.pk]) in html


def test_the_older_edition_is_always_the_starting_point(reviewer_client, first_edition, second_edition):
    html = reviewer_client.get(_diff_url(first_edition, against=second_edition.pk)).content.decode()
    assert "From Edition 1: " in html and '<span class="diff-badge">Removed</span>' in html


def test_by_default_a_draft_is_compared_with_the_current_edition(reviewer_client, first_edition, second_edition):
    html = reviewer_client.get(_diff_url(second_edition)).content.decode()
    assert "From Edition 1: " in html
    selected = [attrs for tag, attrs in elements(html) if tag == "option" and "selected" in attrs]
    assert [attrs["value"] for attrs in selected] == [str(first_edition.pk)]


def test_the_only_edition_has_nothing_to_compare_with(reviewer_client, first_edition):
    response = reviewer_client.get(_diff_url(first_edition))
    assert response.status_code == 200
    assert "There is no other edition to compare Edition 1 with yet." in response.content.decode()


def test_the_edition_page_links_to_the_diff_and_the_preview(reviewer_client, second_edition):
    html = reviewer_client.get(reverse("admin:content_edition_change", args=[second_edition.pk])).content.decode()
    assert f'href="{_diff_url(second_edition)}"' in html
    assert f'href="/preview/{second_edition.pk}/"' in html


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/content/edition/{pk}/diff/?against=abc", 400),
        ("/admin/content/edition/{pk}/diff/?against=-1", 400),
        ("/admin/content/edition/{pk}/diff/?against=99999", 404),
        ("/admin/content/edition/{pk}/diff/?against=99999999999999999999999", 404),
        ("/admin/content/edition/99999/diff/", 404),
        ("/admin/content/edition/abc/diff/", 404),
    ],
)
def test_bad_input_is_a_clear_client_error(reviewer_client, first_edition, path, status):
    assert reviewer_client.get(path.format(pk=first_edition.pk)).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, first_edition):
    response = client.get(_diff_url(first_edition))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_who_is_not_staff_is_refused(client, first_edition, second_edition):
    log_in(client, "clinician", is_staff=False)
    response = client.get(_diff_url(second_edition))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert "with crutches" not in response.content.decode()


def test_staff_without_permission_to_view_editions_are_refused(client, first_edition, second_edition):
    log_in(client, "someone-else")  # staff, in no editorial group
    assert client.get(_diff_url(second_edition)).status_code == 403


def test_the_diff_page_is_served_under_the_content_security_policy(reviewer_client, first_edition, second_edition):
    response = reviewer_client.get(_diff_url(second_edition))
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert not [attrs for tag, attrs in elements(html) if "style" in attrs]
    assert Edition.objects.count() == 2
