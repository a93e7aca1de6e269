"""The editorial workflow as editors meet it in the admin: review pages, publishing, starting
a draft, scenarios, edit conflicts, history and the login lockout."""

import html

import pytest
from django.urls import reverse

from bme_wizard.content import services
from bme_wizard.content.models import Edition, EditionItem, EditionStatus, Recommendation, ReviewStatus, Scenario
from tests.conftest import make_user
from tests.editorial import approve_everything, approve_scenarios, change, person
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def _change(obj):
    return reverse(f"admin:content_{obj._meta.model_name}_change", args=[obj.pk])


def _review(obj):
    return reverse(f"admin:content_{obj._meta.model_name}_review", args=[obj.pk])


def _page(response):
    return html.unescape(response.content.decode())


class TestStartingADraft:
    def test_an_author_starts_a_draft_from_the_edition_list(self, client, first_edition, author):
        client.force_login(author)
        page = client.get(reverse("admin:content_edition_changelist")).content.decode()
        clone_url = reverse("admin:content_edition_clone", args=[first_edition.pk])
        assert clone_url in page
        response = client.post(clone_url)
        draft = Edition.objects.get(number=2)
        assert response.status_code == 302 and response["Location"] == _change(draft)
        assert draft.status == EditionStatus.DRAFT
        assert draft.items.count() == first_edition.items.count()

    def test_starting_a_draft_needs_a_post_and_the_right(self, client, first_edition, reviewer):
        client.force_login(reviewer)
        clone_url = reverse("admin:content_edition_clone", args=[first_edition.pk])
        assert client.get(clone_url).status_code == 405
        response = client.post(clone_url, follow=True)
        assert "You do not have the right to start a new draft edition." in _page(response)
        assert Edition.objects.count() == 1


class TestItemReviewPage:
    def test_a_reviewer_sees_the_item_and_the_steps_open_to_them(self, client, draft, reviewer):
        client.force_login(reviewer)
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        page = _page(client.get(_review(item)))
        assert item.text in page and "Applies when" in page and "Start review" in page
        assert "Approve" not in page  # not from "submitted"

    def test_approving_your_own_change_is_refused_on_the_page(self, client, draft):
        chief = make_user("chief", "Editor in chief")
        item = change(Recommendation.objects.get(edition=draft, key="vcf-mobilise"), by=chief, text="Reworded.")
        services.item_review(item=item, action="submit", user=chief)
        services.item_review(item=item, action="start_review", user=chief)
        client.force_login(chief)
        assert "another reviewer must approve it" in _page(client.get(_review(item)))
        response = client.post(_review(item), {"action": "approve"})
        assert response.status_code == 400
        assert "You changed vcf-mobilise since its last approval" in _page(response)
        assert EditionItem.objects.get(pk=item.pk).review_status == ReviewStatus.UNDER_REVIEW

    def test_a_change_request_without_comment_keeps_the_page_and_says_why(self, client, draft, reviewer):
        client.force_login(reviewer)
        item = Recommendation.objects.get(edition=draft, key="vcf-mobilise")
        client.post(_review(item), {"action": "start_review"})
        response = client.post(_review(item), {"action": "request_changes", "comment": ""})
        assert response.status_code == 400 and "needs a comment" in _page(response)

    def test_list_actions_move_many_items_and_report_refusals(self, client, draft, reviewer):
        client.force_login(reviewer)
        keys = ["vcf-nsaids", "vcf-mobilise"]
        ids = list(Recommendation.objects.filter(edition=draft, key__in=keys).values_list("pk", flat=True))
        changelist = reverse("admin:content_recommendation_changelist")
        response = client.post(
            changelist, {"action": "review_start_review", "_selected_action": ids, "index": 0}, follow=True
        )
        assert "Start review: 2 item(s) done." in _page(response)
        response = client.post(changelist, {"action": "review_submit", "_selected_action": ids}, follow=True)
        assert "Cannot submit for review vcf-nsaids: it is under review." in _page(response)


class TestEditingInAdmin:
    def test_the_review_status_cannot_be_posted_in_the_change_form(self, client, draft, author):
        client.force_login(author)
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        data = form_data(client.get(_change(item)).content.decode(), "recommendation_form")
        assert "review_status" not in data
        data["review_status"] = [ReviewStatus.APPROVED]
        data["text"] = ["An author's revision."]
        assert client.post(_change(item), data).status_code == 302
        item.refresh_from_db()
        assert (item.text, item.review_status, item.changed_by) == ("An author's revision.", "draft", author)

    def test_a_second_editor_saving_a_stale_form_gets_a_conflict_and_keeps_their_text(self, client, draft, author):
        other = make_user("bea", "Author")
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        client.force_login(author)
        first_form = form_data(client.get(_change(item)).content.decode(), "recommendation_form")
        client.force_login(other)
        second_form = form_data(client.get(_change(item)).content.decode(), "recommendation_form")

        client.force_login(author)
        first_form["text"] = ["The first editor's wording."]
        assert client.post(_change(item), first_form).status_code == 302

        client.force_login(other)
        second_form["text"] = ["The second editor's wording."]
        response = client.post(_change(item), second_form)
        page = _page(response)
        assert response.status_code == 200
        assert "Someone else saved this recommendation by alice" in page
        assert "The second editor's wording." in page  # their input is still in the form
        assert Recommendation.objects.get(pk=item.pk).text == "The first editor's wording."

    def test_changing_only_conditions_counts_as_a_content_change(self, client, draft, author, reviewer):
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        for action in ("start_review", "approve"):
            services.item_review(item=item, action=action, user=reviewer)
        client.force_login(author)
        data = form_data(client.get(_change(item)).content.decode(), "recommendation_form")
        total = int(data["conditions-TOTAL_FORMS"][0])
        data["conditions-TOTAL_FORMS"] = [str(total + 1)]
        row = {"question": "severe_pain", "operator": "equals", "value": "no", "group": "", "order": "9"}
        data.update({f"conditions-{total}-{name}": [value] for name, value in row.items()})
        data[f"conditions-{total}-item"] = [str(item.pk)]
        assert client.post(_change(item), data).status_code == 302
        item.refresh_from_db()
        assert (item.review_status, item.changed_by) == (ReviewStatus.DRAFT, author)

    def test_the_history_page_shows_who_changed_which_field(self, client, draft, author):
        client.force_login(author)
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        data = form_data(client.get(_change(item)).content.decode(), "recommendation_form")
        data["text"] = ["A clearer statement."]
        client.post(_change(item), data)
        history = _page(client.get(reverse("admin:content_recommendation_history", args=[item.pk])))
        assert "alice" in history
        assert "A clearer statement." in history and "For pain relief, start with an NSAID." in history


class TestEditionReviewPage:
    def test_blockers_are_listed_and_publishing_is_refused(self, client, draft, reviewer):
        approve_scenarios()
        client.force_login(reviewer)
        page = _page(client.get(reverse("admin:content_edition_review", args=[draft.pk])))
        assert "cannot be published yet" in page and "not approved" in page
        assert "Pass" in page and "Rheumatoid arthritis, hand MRI with RAMRIS BME 5" in page
        response = client.post(reverse("admin:content_edition_publish", args=[draft.pk]), {"note": "Too early."})
        assert response.status_code == 400
        assert Edition.objects.current().number == 1

    def test_a_reviewer_publishes_once_everything_is_approved(self, client, draft, reviewer):
        approve_everything(draft, reviewer=make_user("rita", "Reviewer"))
        client.force_login(reviewer)
        url = reverse("admin:content_edition_review", args=[draft.pk])
        assert "Every item is approved and every scenario passes" in _page(client.get(url))
        publish_url = reverse("admin:content_edition_publish", args=[draft.pk])
        confirm = _page(client.get(publish_url))
        assert "What clinicians will see change" in confirm and "Publication note" in confirm
        response = client.post(publish_url, {"note": "Checked by the board; NSAID statement reworded."}, follow=True)
        assert "Edition 2 is published" in _page(response)
        assert Edition.objects.current().pk == draft.pk


class TestScenariosInAdmin:
    def test_the_run_page_shows_pass_and_fail_per_scenario(self, admin_client, draft):
        approve_scenarios()
        services.scenario_save(
            scenario=Scenario.objects.get(key="cno-follow-up"),
            user=person("board-author", "Author"),
            fields={"must_not_show": ["cno"], "must_show": ["cno-mri-activity"]},
        )
        approve_scenarios()
        url = reverse("admin:content_scenario_run")
        page = _page(admin_client.get(url, {"edition": draft.pk}))
        assert "1 failing" in page and "Shows but should not: cno" in page
        assert admin_client.get(url, {"edition": "999"}).status_code == 404


class TestLoginLockout:
    def test_repeated_failed_logins_lock_the_account_out(self, client, settings):
        make_user("victim", "Author")
        login = reverse("admin:login")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(login, {"username": "victim", "password": "wrong guess", "next": "/admin/"})
            assert response.status_code == 200  # the normal "wrong password" form
        response = client.post(login, {"username": "victim", "password": "wrong guess", "next": "/admin/"})
        assert response.status_code == 429
        response = client.post(login, {"username": "victim", "password": "a-long-test-password", "next": "/admin/"})
        assert response.status_code == 429
        assert "Sign-in locked" in _page(response)
        assert client.get("/admin/").status_code == 302  # still not signed in


class TestInstantChecks:
    def test_the_markdown_preview_renders_and_sanitizes(self, client, author):
        client.force_login(author)
        url = reverse("admin:content_check_markdown")
        data = client.post(url, {"text": "Use **NSAIDs** <script>alert(1)</script> [x](javascript:alert(1))"}).json()
        assert "<strong>NSAIDs</strong>" in data["html"]
        assert "<script" not in data["html"] and "&lt;script&gt;" in data["html"]  # shown as text
        assert "href" not in data["html"]  # the javascript: link is not made a link
        # The same limit, in the same words, as saving the item applies.
        from bme_wizard.content.models import TEXT_MAX_CHARS

        assert client.post(url, {"text": "x" * TEXT_MAX_CHARS}).status_code == 200
        over = client.post(url, {"text": "x" * (TEXT_MAX_CHARS + 1)})
        assert over.status_code == 400
        assert over.json()["errors"]["text"] == [
            f"Ensure this value has at most {TEXT_MAX_CHARS} characters (it has {TEXT_MAX_CHARS + 1})."
        ]
        assert client.get(url).status_code == 405

    def test_a_condition_row_is_explained_or_its_problem_named(self, client, author):
        client.force_login(author)
        url = reverse("admin:content_check_condition")
        good = client.post(url, {"question": "site", "operator": "one_of", "value": "hip, knee"}).json()
        assert good["ok"] and good["message"].startswith("Applies when") and "Hip" in good["message"]
        bad = client.post(url, {"question": "site", "operator": "equals", "value": "elbow"}).json()
        assert (bad["ok"], bad["field"]) == (False, "value") and "elbow" in bad["message"]

    def test_the_checks_are_for_editors_only(self, client, first_edition):
        url = reverse("admin:content_check_markdown")
        assert client.post(url, {"text": "x"}).status_code == 302  # to the login page
        client.force_login(make_user("viewer"))  # staff, no role
        assert client.post(url, {"text": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["Author", "Reviewer", "Editor in chief"])
def test_every_admin_page_of_every_content_model_opens_for_every_role(client, draft, role):
    """List, add, change, history and review pages: for each role a page or a refusal, never an error."""
    from django.contrib import admin as django_admin

    from bme_wizard.content.models import EditionText, Pathway, Pitfall, Question, Reference, ReviewComment

    client.force_login(make_user("someone", role))
    samples = {
        Edition: draft,
        EditionText: draft.text,
        Question: Question.objects.filter(edition=draft).first(),
        Recommendation: Recommendation.objects.filter(edition=draft).first(),
        Pathway: Pathway.objects.filter(edition=draft).first(),
        Pitfall: Pitfall.objects.filter(edition=draft).first(),
        Reference: Reference.objects.filter(edition=draft).first(),
        ReviewComment: ReviewComment.objects.filter(item__edition=draft).first(),
        Scenario: Scenario.objects.first(),
    }
    for model in django_admin.site._registry:
        if model._meta.app_label != "content":
            continue
        name = model._meta.model_name
        obj = samples[model]
        urls = [reverse(f"admin:content_{name}_changelist"), reverse(f"admin:content_{name}_add")]
        urls += [reverse(f"admin:content_{name}_{view}", args=[obj.pk]) for view in ("change", "history")]
        if name in {
            "edition",
            "editiontext",
            "question",
            "pathway",
            "recommendation",
            "pitfall",
            "reference",
            "scenario",
        }:
            urls.append(reverse(f"admin:content_{name}_review", args=[obj.pk]))
        if name == "edition":
            urls += [reverse(f"admin:content_edition_{view}", args=[obj.pk]) for view in ("publish", "rebase")]
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 302, 403), (role, url, status)
