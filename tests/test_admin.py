"""The editorial admin: every content model is there, bad input gets form errors, published stays put."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from bme_wizard.content.models import (
    Condition,
    Edition,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
)
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def _logged_in(client, username, role):
    user = get_user_model().objects.create_user(username, password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


@pytest.fixture
def author_client(client):
    return _logged_in(client, "auth", "Author")


def _change_url(obj):
    return reverse(f"admin:content_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", [Edition, Pathway, Recommendation, Pitfall, Reference, ReviewComment])
def test_every_content_model_lists_searches_and_filters(admin_client, first_edition, model):
    url = reverse(f"admin:content_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "bone"}).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(_change_url(obj)).status_code == 200


def test_recommendation_list_has_readable_columns(admin_client, first_edition):
    page = admin_client.get(reverse("admin:content_recommendation_changelist"), {"review_status__exact": "submitted"})
    html = page.content.decode()
    for header in ["Statement", "Section", "Certainty of evidence", "Review status", "Citations", "Open comments"]:
        assert header in html
    assert "For pain relief, start with an NSAID." in html


def _condition_offer(page: str) -> list[dict]:
    """What the condition editor is offered: the JSON script element the change form carries."""
    start = '<script id="condition-questions" type="application/json">'
    return json.loads(page.split(start)[1].split("</script>")[0])


class TestConditionsInAdmin:
    def _post_with_condition(self, client, recommendation, **row):
        url = _change_url(recommendation)
        data = form_data(client.get(url).content.decode(), "recommendation_form")
        total = int(data["conditions-TOTAL_FORMS"][0])
        data["conditions-TOTAL_FORMS"] = [str(total + 1)]
        prefix = f"conditions-{total}-"
        data.update({prefix + name: [str(value)] for name, value in row.items()})
        data[prefix + "item"] = [str(recommendation.pk)]
        return client.post(url, data)

    @pytest.mark.parametrize(
        ("question", "operator", "value", "message"),
        [
            ("site", "equals", "elbow", "&#x27;elbow&#x27; is not an answer to “Site of the edema”"),
            ("sequences", "greater_than", "3", "“is more than” does not fit “Sequences acquired”"),
            ("ramris_bme", "at_least", "70", "from 0 to 69"),
            ("pain_score", "equals", "3", "Select a valid choice"),
        ],
    )
    def test_an_invalid_condition_shows_a_form_error_not_a_500(
        self, author_client, draft_edition, question, operator, value, message
    ):
        recommendation = Recommendation.objects.get(edition=draft_edition)
        response = self._post_with_condition(
            author_client, recommendation, question=question, operator=operator, value=value, group="", order=0
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Condition.objects.exists()

    def test_the_editor_is_offered_each_questions_fitting_comparisons_and_answers(self, author_client, draft_edition):
        from bme_wizard.content.models import Question

        recommendation = Recommendation.objects.get(edition=draft_edition)
        page = author_client.get(_change_url(recommendation)).content.decode()
        offer = _condition_offer(page)
        by_key = {question["key"]: question for question in offer}
        assert set(by_key) == set(
            Question.objects.filter(edition=draft_edition, is_removed=False).values_list("key", flat=True)
        )
        site, sequences, ramris = by_key["site"], by_key["sequences"], by_key["ramris_bme"]
        assert (site["label"], site["operators"]) == (
            "Site of the edema",
            ["equals", "not_equals", "one_of", "is_empty", "is_answered"],
        )
        assert {"code": "hip", "label": "Hip"} in site["options"]
        assert sequences["operators"] == ["includes", "excludes", "is_empty", "is_answered"]
        assert (ramris["minimum"], ramris["maximum"], ramris["options"]) == (0, 69, [])
        assert "greater_than" in ramris["operators"] and "one_of" not in ramris["operators"]
        # Without JavaScript, the comparisons read as words, not codes.
        assert '<option value="greater_than">is more than</option>' in page

    def test_the_offer_follows_the_items_edition(self, author_client, draft_edition):
        from bme_wizard.content import services
        from bme_wizard.content.models import Question

        services.item_create(
            edition=draft_edition,
            kind=Question,
            user=None,
            fields={
                "key": "age",
                "step": "context",
                "label": "Age (years)",
                "kind": "integer",
                "minimum": 0,
                "maximum": 120,
                "optional": True,
                "order": 900,
            },
        )
        recommendation = Recommendation.objects.get(edition=draft_edition)
        page = author_client.get(_change_url(recommendation)).content.decode()
        offer = _condition_offer(page)
        (age,) = [question for question in offer if question["key"] == "age"]
        assert (age["label"], age["maximum"]) == ("Age (years)", 120)

    def test_a_valid_condition_is_saved_in_canonical_form(self, author_client, draft_edition):
        recommendation = Recommendation.objects.get(edition=draft_edition)
        response = self._post_with_condition(
            author_client, recommendation, question="site", operator="one_of", value="hip,knee", group="", order=0
        )
        assert response.status_code == 302
        assert Condition.objects.get(item=recommendation).value == "hip, knee"


class TestPublishedItemsInAdmin:
    def test_a_reviewer_sees_content_read_only_and_reviews_it_on_the_review_page(self, reviewer_client, first_edition):
        recommendation = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")
        url = _change_url(recommendation)
        page = reviewer_client.get(url).content.decode()
        assert "which is published: its content is read-only" in page
        assert reverse("admin:content_recommendation_review", args=[recommendation.pk]) in page
        data = form_data(page, "recommendation_form")
        assert not set(k for k in data if not k.startswith(("conditions-", "citations-", "review_comments-"))) - {
            "csrfmiddlewaretoken",
            "version",
        }
        review = reverse("admin:content_recommendation_review", args=[recommendation.pk])
        response = reviewer_client.post(review, {"action": "start_review"})
        assert response.status_code == 302, response.content.decode()[:2000]
        recommendation.refresh_from_db()
        assert recommendation.review_status == ReviewStatus.UNDER_REVIEW
        assert recommendation.text.startswith("For pain relief")

    def test_a_forged_post_cannot_change_published_text(self, admin_client, first_edition):
        recommendation = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")
        url = _change_url(recommendation)
        data = form_data(admin_client.get(url).content.decode(), "recommendation_form")
        data["text"] = ["Injected change"]
        admin_client.post(url, data)
        recommendation.refresh_from_db()
        assert recommendation.text.startswith("For pain relief")

    def test_a_reviewer_can_comment_on_a_published_statement(self, reviewer_client, first_edition):
        pitfall = Pitfall.objects.get(edition=first_edition, key="pitfall-opioid-overuse")
        url = reverse("admin:content_pitfall_review", args=[pitfall.pk])
        response = reviewer_client.post(url, {"action": "comment", "comment": "Which opioid doses count as overuse?"})
        assert response.status_code == 302, response.content.decode()[:3000]
        comment = ReviewComment.objects.get(body__startswith="Which opioid")
        assert comment.author.username == "rob" and comment.item_id == pitfall.pk
        assert "Which opioid doses count as overuse?" in reviewer_client.get(url).content.decode()

    def test_published_items_cannot_be_deleted_in_admin(self, admin_client, first_edition):
        pitfall = Pitfall.objects.get(edition=first_edition, key="pitfall-opioid-overuse")
        url = reverse("admin:content_pitfall_delete", args=[pitfall.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
        assert Pitfall.objects.filter(pk=pitfall.pk).exists()

    def test_new_items_can_only_be_added_to_editable_editions(self, admin_client, first_edition, draft_edition):
        page = admin_client.get(reverse("admin:content_pitfall_add")).content.decode()
        select = page[
            page.index('<select name="edition"') : page.index("</select>", page.index('<select name="edition"'))
        ]
        assert f'value="{draft_edition.pk}"' in select
        assert f'value="{first_edition.pk}"' not in select


def test_admin_requires_staff_login(client, first_edition):
    response = client.get(reverse("admin:content_recommendation_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
