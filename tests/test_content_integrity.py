"""Content integrity: nothing reaches clinicians that a reviewer did not approve.

One test per breach an editorial board found (issue "Content integrity"), then the model-level
backstop through every entry point. Each breach test failed on the code before the one write path.
"""

import copy
import html

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from bme_wizard.content import services
from bme_wizard.content.edition_file import EditionFileError
from bme_wizard.content.models import (
    CommentKind,
    Condition,
    DirectWriteError,
    Edition,
    EditionImmutableError,
    EditionItem,
    EditionStatus,
    Recommendation,
    ReviewComment,
    ReviewStatus,
    Scenario,
    Strength,
)
from bme_wizard.content.selectors import (
    edition_base_changes,
    edition_diff,
    edition_publish_blockers,
    scenario_results,
)
from bme_wizard.content.services import WorkflowError
from bme_wizard.content.snapshot import edition_snapshot
from tests.editorial import (
    approve,
    approve_everything,
    approve_scenarios,
    change,
    conditions_of,
    person,
    publish,
)

pytestmark = pytest.mark.django_db


def _item(edition, key):
    return EditionItem.objects.get(edition=edition, key=key).as_concrete()


def _page(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def board(db):
    return {
        "alice": person("alice", "Author"),
        "bea": person("bea", "Author"),
        "rob": person("rob", "Reviewer"),
        "rita": person("rita", "Reviewer"),
        "chief": person("chief", "Editor in chief"),
        "chief2": person("chief2", "Editor in chief"),
    }


class TestTwoDraftsFromOneEdition:
    """Breach: a second draft of the same edition published after the first silently undid its changes."""

    def test_the_stale_draft_is_refused_shows_what_it_would_undo_and_a_rebase_keeps_both(self, first_edition, board):
        first = services.edition_clone(user=board["alice"])
        second = services.edition_clone(user=board["bea"])
        assert first.base == second.base == first_edition
        # The first draft removes a statement, regrades one and rewords one; then it is published.
        services.item_remove(item=_item(first, "tbme-natural-course"), user=board["alice"])
        change(_item(first, "vcf-nsaids"), by=board["alice"], strength=Strength.CONDITIONAL)
        change(_item(first, "vcf-mobilise"), by=board["alice"], text="Mobilise early; bed rest harms.")
        approve_everything(first, reviewer=board["rob"])
        publish(first, by=board["chief"])
        # The second draft, started from edition 1, changed another statement and the same one.
        change(_item(second, "charcot-offloading"), by=board["bea"], text="Offload the foot at once.")
        change(_item(second, "vcf-mobilise"), by=board["bea"], text="Mobilise as soon as the pain allows.")
        approve_everything(second, reviewer=board["rob"])

        with pytest.raises(WorkflowError, match="was started from Edition 1, but Edition 2 is now current"):
            publish(second, by=board["chief"])
        assert Edition.objects.current().pk == first.pk
        undone = edition_base_changes(edition=second)
        assert [i.key for i in undone.kind("recommendation").removed] == ["tbme-natural-course"]
        assert {i.key for i in undone.kind("recommendation").changed} >= {"vcf-nsaids", "vcf-mobilise"}

        with pytest.raises(WorkflowError, match="Decide for each item changed on both sides"):
            services.edition_rebase(edition=second, user=board["bea"])
        result = services.edition_rebase(edition=second, user=board["bea"], decisions={"vcf-mobilise": services.MINE})
        assert set(result.decided) == {"vcf-mobilise"} and "vcf-nsaids" in result.taken
        second.refresh_from_db()
        assert second.base == first
        # The newer edition's changes came in, as reviewed there; the decision is a change to review.
        assert not EditionItem.objects.filter(edition=second, key="tbme-natural-course", is_removed=False).exists()
        assert _item(second, "vcf-nsaids").strength == Strength.CONDITIONAL
        assert _item(second, "vcf-nsaids").review_status == ReviewStatus.APPROVED
        assert _item(second, "charcot-offloading").text == "Offload the foot at once."
        mine = _item(second, "vcf-mobilise")
        assert (mine.text, mine.review_status) == ("Mobilise as soon as the pain allows.", ReviewStatus.DRAFT)
        with pytest.raises(WorkflowError, match=r"not approved: .*vcf-mobilise"):
            publish(second, by=board["chief"])
        approve(mine, reviewer=board["rita"])
        publish(second, by=board["chief"])
        shown = {entry.key for entry in edition_snapshot(Edition.objects.get(pk=second.pk)).recommendations}
        assert "tbme-natural-course" not in shown

    def test_the_publish_page_says_so_and_offers_the_rebase(self, client, first_edition, board):
        first = services.edition_clone(user=board["alice"])
        second = services.edition_clone(user=board["bea"])
        services.item_remove(item=_item(first, "tbme-natural-course"), user=board["alice"])
        approve_everything(first, reviewer=board["rob"])
        publish(first, by=board["chief"])
        client.force_login(board["bea"])
        page = _page(client.get(reverse("admin:content_edition_review", args=[second.pk])))
        assert "The edition this draft was started from is no longer current" in page
        assert "this draft would undo it" in page and "tbme-natural-course" in page
        assert reverse("admin:content_edition_rebase", args=[second.pk]) in page


class TestRemovalIsAChange:
    """Breach: deleting a statement needed no review, was not listed, and its scenario could be dropped."""

    def test_a_removal_is_reviewed_with_four_eyes_and_listed_before_publishing(self, client, draft, board):
        approve_scenarios()
        approve_everything(draft, reviewer=board["rob"])
        removed = services.item_remove(item=_item(draft, "charcot-look-for-infection"), user=board["chief"])
        assert removed.is_removed and removed.review_status == ReviewStatus.DRAFT
        # The same editor drops it from the scenario that needs it: that change gates nothing until reviewed.
        scenario = Scenario.objects.get(key="charcot-ulcer")
        must_show = [key for key in scenario.must_show if key != "charcot-look-for-infection"]
        services.scenario_save(scenario=scenario, user=board["chief"], fields={"must_show": must_show})
        blockers = " ".join(edition_publish_blockers(edition=draft))
        assert "charcot-look-for-infection (removal, draft)" in blockers
        assert (
            "Scenario “Charcot foot with an ulcer” fails: Not in this edition: charcot-look-for-infection" in blockers
        )
        services.item_review(item=removed, action="submit", user=board["chief"])
        services.item_review(item=removed, action="start_review", user=board["chief"])
        with pytest.raises(WorkflowError, match="four-eyes"):
            services.item_review(item=removed, action="approve", user=board["chief"])
        client.force_login(board["rob"])
        page = _page(client.get(reverse("admin:content_edition_review", args=[draft.pk])))
        assert "Removed in this draft (1)" in page and "charcot-look-for-infection" in page
        page = _page(client.get(reverse("admin:content_edition_publish", args=[draft.pk])))
        assert "Removed (1)" in page

    def test_an_item_new_in_the_draft_is_simply_deleted(self, draft, board):
        from bme_wizard.content.models import Pitfall

        new = services.item_create(
            edition=draft,
            kind=Pitfall,
            user=board["alice"],
            fields={"key": "new-one", "text": "Avoid X."},
            citations=["baumbach-jcm-2020"],
        )
        assert services.item_remove(item=new, user=board["alice"]) is None
        assert not EditionItem.objects.filter(edition=draft, key="new-one").exists()

    def test_a_removal_is_refused_while_others_use_the_item(self, draft, board):
        with pytest.raises(WorkflowError, match=r"cannot be removed while these use it: .*vcf-nsaids"):
            services.item_remove(item=_item(draft, "praxis-bme-diagnosis-treatment-2025"), user=board["alice"])

    def test_deleting_a_base_item_directly_is_refused(self, draft):
        with pytest.raises(DirectWriteError, match="removing it is reviewed"):
            _item(draft, "vcf-nsaids").delete()
        with pytest.raises(DirectWriteError):
            Recommendation.objects.filter(edition=draft, key="vcf-nsaids").delete()


class TestFourEyesOverEveryChange:
    """Breach: only the last person to save counted, so a rewording could be approved by its author."""

    def test_whoever_changed_anything_since_the_last_approval_may_not_approve(self, draft, board):
        item = approve(_item(draft, "vcf-mobilise"), reviewer=board["rob"])
        item = change(item, by=board["chief"], text="Reworded by the first chief.")
        item = change(item, by=board["chief2"], order=item.order + 5)  # the second only moves it
        services.item_review(item=item, action="submit", user=board["chief2"])
        services.item_review(item=item, action="start_review", user=board["rob"])
        for person_who_changed_it in (board["chief"], board["chief2"]):
            with pytest.raises(WorkflowError, match="four-eyes"):
                services.item_review(item=item, action="approve", user=person_who_changed_it)
        services.item_review(item=item, action="approve", user=board["rob"])
        item.refresh_from_db()
        assert item.review_status == ReviewStatus.APPROVED and not item.contributors.exists()

    @pytest.mark.parametrize(
        "what",
        ["text", "plain_text", "conditions", "citations", "strength", "section", "treatments", "order", "caution"],
    )
    def test_every_kind_of_change_counts(self, draft, board, what):
        item = approve(_item(draft, "vcf-nsaids"), reviewer=board["rob"])
        changes = {
            "text": {"text": "New text."},
            "plain_text": {"plain_text": "New plain text."},
            "strength": {"strength": Strength.STRONG},
            "section": {"section": "escalation"},
            "treatments": {"treatments": ["nsaids", "opioids"]},
            "order": {"order": 999},
            "caution": {"caution": "A caution."},
        }
        if what == "conditions":
            item = services.item_change(item=item, user=board["chief"], conditions=conditions_of(item)[:1])
        elif what == "citations":
            item = services.item_change(item=item, user=board["chief"], citations=["baumbach-jcm-2020"])
        else:
            item = services.item_change(item=item, user=board["chief"], fields=changes[what])
        assert item.review_status == ReviewStatus.DRAFT
        assert list(item.contributors.all()) == [board["chief"]]


class TestEditionTextIsContent:
    """Breach: title, summary and source note were neither reviewed nor in the diff."""

    def test_a_changed_source_note_is_reviewed_and_shown_in_the_diff(self, client, first_edition, draft, board):
        approve_everything(draft, reviewer=board["rob"])
        services.edition_text_change(
            edition=draft, user=board["alice"], fields={"source_note": "Written by a panel of experts."}
        )
        text = draft.text
        text.refresh_from_db()
        assert text.review_status == ReviewStatus.DRAFT
        with pytest.raises(WorkflowError, match=r"not approved: edition \(draft\)"):
            publish(draft, by=board["chief"])
        diff = edition_diff(old=first_edition, new=draft)
        changed = diff.kind("editiontext").changed[0]
        assert "Source note" in [field.name for field in changed.fields]
        client.force_login(board["rob"])
        page = _page(client.get(reverse("admin:content_edition_diff", args=[draft.pk])))
        assert "Edition text" in page and "Source note" in page and "experts" in page

    def test_the_admin_edition_form_goes_through_the_write_path(self, client, draft, board):
        from tests.forms import form_data

        client.force_login(board["alice"])
        url = reverse("admin:content_edition_change", args=[draft.pk])
        data = form_data(client.get(url).content.decode(), "edition_form")
        data["source_note"] = ["A new source note."]
        assert client.post(url, data).status_code == 302
        text = EditionItem.objects.get(edition=draft, key="edition").as_concrete()
        assert (text.source_note, text.review_status) == ("A new source note.", ReviewStatus.DRAFT)
        assert list(text.contributors.all()) == [board["alice"]]


class TestScenariosAreReviewed:
    """Breach: scenario changes (switching one off included) took effect at once, and were shared by all
    editions, so editing one made the published edition "fail"."""

    def test_a_changed_scenario_gates_only_once_another_reviewer_approves_it(self, draft, board):
        approve_scenarios()
        scenario = Scenario.objects.get(key="cno-follow-up")
        services.scenario_save(scenario=scenario, user=board["chief"], fields={"is_active": False})
        assert "cno-follow-up" in {r.spec.key for r in scenario_results(edition=draft)}  # still gates
        services.scenario_review(scenario=scenario, action="submit", user=board["chief"])
        services.scenario_review(scenario=scenario, action="start_review", user=board["rob"])
        with pytest.raises(WorkflowError, match="four-eyes"):
            services.scenario_review(scenario=scenario, action="approve", user=board["chief"])
        services.scenario_review(scenario=scenario, action="approve", user=board["rob"])
        assert "cno-follow-up" not in {r.spec.key for r in scenario_results(edition=draft)}

    def test_a_new_scenario_gates_nothing_until_approved(self, draft, board):
        services.scenario_save(
            user=board["alice"],
            fields={
                "key": "new-case",
                "title": "A new case",
                "answers": Scenario.objects.get(key="cno-follow-up").answers,
                "must_show": ["refractory-denosumab"],
            },
        )
        assert "new-case" not in {r.spec.key for r in scenario_results(edition=draft)}

    def test_a_published_edition_is_judged_by_the_scenarios_it_passed(self, first_edition, board):
        before = [(r.spec.key, r.passed) for r in scenario_results(edition=first_edition)]
        approve_scenarios()
        scenario = Scenario.objects.get(key="cno-follow-up")
        services.scenario_save(scenario=scenario, user=board["alice"], fields={"must_show": ["vcf-nsaids"]})
        approve_scenarios(reviewer=board["rob"])
        assert [(r.spec.key, r.passed) for r in scenario_results(edition=first_edition)] == before
        assert all(passed for _, passed in before)

    def test_scenarios_cannot_be_changed_or_deleted_behind_the_review(self, first_edition, board):
        approve_scenarios()
        with pytest.raises(DirectWriteError):
            Scenario.objects.filter(key="cno-follow-up").update(is_active=False)
        scenario = Scenario.objects.get(key="cno-follow-up")
        scenario.is_active = False
        with pytest.raises(DirectWriteError, match="send it back to draft"):
            scenario.save()
        with pytest.raises(DirectWriteError, match="switch it off"):
            Scenario.objects.get(key="cno-follow-up").delete()


class TestEvidenceNotes:
    """Breach: statements with an open "not confirmed" or "not found" note could be approved, in bulk too;
    comments were never resolved; a reviewer could rewrite another's comment under their name."""

    def test_an_open_blocking_note_must_be_resolved_with_a_reason_first(self, first_edition, board):
        item = _item(first_edition, "vcf-kyphoplasty-cancer")
        note = item.review_comments.get(kind=CommentKind.NOT_CONFIRMED)
        services.item_review(item=item, action="start_review", user=board["rob"])
        with pytest.raises(WorkflowError, match="open evidence notes that say it may be wrong: Not confirmed"):
            services.item_review(item=item, action="approve", user=board["rob"])
        with pytest.raises(WorkflowError, match="reason"):
            services.comment_resolve(comment=note, user=board["rob"], reason=" ")
        with pytest.raises(WorkflowError, match="right to resolve"):
            services.comment_resolve(comment=note, user=board["alice"], reason="Fine by me.")
        services.comment_resolve(comment=note, user=board["rita"], reason="The figure is dropped in edition 2.")
        note.refresh_from_db()
        assert (note.is_open, note.resolved_by, note.resolution) == (
            False,
            board["rita"],
            "The figure is dropped in edition 2.",
        )
        services.item_review(item=item, action="approve", user=board["rob"])

    def test_bulk_approval_skips_blocked_items_and_says_which(self, client, first_edition, board):
        keys = ["vcf-kyphoplasty-cancer", "vcf-mobilise"]
        items = list(Recommendation.objects.filter(edition=first_edition, key__in=keys))
        for item in items:
            services.item_review(item=item, action="start_review", user=board["rob"])
        client.force_login(board["rob"])
        response = client.post(
            reverse("admin:content_recommendation_changelist"),
            {"action": "review_approve", "_selected_action": [item.pk for item in items]},
            follow=True,
        )
        page = _page(response)
        assert "Approve: 1 item(s) done." in page and "1 skipped" in page
        assert "Recommendation vcf-kyphoplasty-cancer has open evidence notes" in page
        statuses = dict(Recommendation.objects.filter(key__in=keys).values_list("key", "review_status"))
        assert statuses == {"vcf-kyphoplasty-cancer": "under_review", "vcf-mobilise": "approved"}

    def test_only_its_author_rewrites_a_comment(self, client, first_edition, board):
        item = _item(first_edition, "vcf-mobilise")
        comment = services.comment_add(subject=item, user=board["rob"], body="Rob's view.", kind=CommentKind.REFINED)
        with pytest.raises(WorkflowError, match="Only the comment's author"):
            services.comment_edit(comment=comment, user=board["rita"], body="Rita's words under Rob's name.")
        services.comment_edit(comment=comment, user=board["rob"], body="Rob's view, clarified.")
        # A forged admin post by another reviewer changes nothing either.
        url = reverse("admin:content_reviewcomment_change", args=[comment.pk])
        for user in (board["rita"], board["alice"], board["chief"]):
            client.force_login(user)
            client.post(url, {"kind": "confirmed", "body": "Forged."})
        comment.refresh_from_db()
        assert (comment.body, comment.author, comment.kind) == ("Rob's view, clarified.", board["rob"], "refined")


class TestValidityEverywhere:
    """Breach: validity was checked only in forms; pages answered 500 for a bad row; an approved item's text
    changed through save() stayed approved; review status could be assigned; a queryset update rewrote a
    published edition's rows."""

    def test_a_condition_outside_the_questions_is_refused_through_code(self, draft):
        item = _item(draft, "vcf-nsaids")
        services.item_change(item=item, user=person("alice", "Author"), fields={"text": item.text + " "})
        bad = Condition(item=_item(draft, "vcf-nsaids"), question="site", operator="equals", value="elbow")
        with pytest.raises(ValidationError, match="'elbow' is not an answer to “Site of the edema”"):
            bad.save()
        with pytest.raises(ValidationError, match="'elbow' is not an answer to “Site of the edema”"):
            Condition.objects.bulk_create([bad])
        with pytest.raises(WorkflowError, match=r"Recommendation vcf-nsaids, condition 1 \(value\): 'elbow'"):
            services.item_change(
                item=item,
                user=person("alice"),
                conditions=[{"question": "site", "operator": "equals", "value": "elbow"}],
            )
        assert not Condition.objects.filter(value="elbow").exists()

    def test_a_bad_row_slipped_in_behind_the_applications_back_breaks_no_page(self, client, draft, board):
        item = _item(draft, "vcf-nsaids")
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO content_condition (item_id, question, operator, value, "group", "order") '
                "VALUES (%s, 'site', 'equals', 'elbow', '', 9)",
                [item.pk],
            )
        from bme_wizard.content.models import edition_touch

        edition_touch([draft.pk])
        client.force_login(board["rob"])
        for url in (
            reverse("admin:content_edition_review", args=[draft.pk]),
            reverse("admin:content_edition_diff", args=[draft.pk]),
            reverse("admin:content_recommendation_review", args=[item.pk]),
            reverse("admin:content_recommendation_change", args=[item.pk]),
            reverse("admin:content_recommendation_history", args=[item.pk]),
            f"/preview/{draft.pk}/",
        ):
            assert client.get(url).status_code in (200, 302), url
        blockers = edition_publish_blockers(edition=draft)
        assert any("vcf-nsaids: a condition is not valid" in line for line in blockers), blockers
        with pytest.raises(WorkflowError, match="vcf-nsaids: a condition is not valid"):
            publish(draft, by=board["chief"])
        assert "vcf-nsaids" not in {e.key for e in edition_snapshot(draft).recommendations if not e.rule.invalid}

    def test_an_approved_items_content_cannot_change_through_save(self, draft, board):
        item = approve(_item(draft, "vcf-mobilise"), reviewer=board["rob"])
        item = _item(draft, "vcf-mobilise")
        item.text = "Changed behind the review."
        with pytest.raises(DirectWriteError, match="approved: a change to its content must send it back"):
            item.save()
        assert _item(draft, "vcf-mobilise").review_status == ReviewStatus.APPROVED

    def test_review_status_moves_only_through_its_transitions(self, draft):
        item = _item(draft, "vcf-mobilise")
        with pytest.raises(AttributeError, match="Direct review_status modification is not allowed"):
            item.review_status = ReviewStatus.APPROVED
        with pytest.raises(DirectWriteError):
            EditionItem.objects.filter(pk=item.pk).update(review_status=ReviewStatus.APPROVED)
        with pytest.raises(DirectWriteError, match="starts as a draft"):
            Recommendation(
                edition=draft,
                pathway=item.pathway,
                key="smuggled",
                section="first_line",
                text="X.",
                review_status=ReviewStatus.APPROVED,
            ).save()
        assert _item(draft, "vcf-mobilise").review_status == ReviewStatus.SUBMITTED

    def test_no_queryset_update_rewrites_content(self, first_edition, draft):
        for queryset, change_ in (
            (Recommendation.objects.filter(edition=first_edition), {"text": "Rewritten"}),
            (Recommendation.objects.filter(edition=draft), {"text": "Rewritten"}),
            (Condition.objects.filter(item__edition=draft), {"value": "hip"}),
            (Edition.objects.filter(pk=first_edition.pk), {"status": EditionStatus.DRAFT}),
        ):
            revision = Edition.objects.get(pk=first_edition.pk).revision
            with pytest.raises((EditionImmutableError, DirectWriteError)):
                queryset.update(**change_)
            assert Edition.objects.get(pk=first_edition.pk).revision == revision
        assert not Recommendation.objects.filter(text="Rewritten").exists()

    def test_the_edition_loader_refuses_approval_and_bad_conditions(self, first_edition_document):
        document = copy.deepcopy(first_edition_document)
        document["edition"]["number"] = 9
        document["pathways"][0]["recommendations"][0]["review_status"] = "approved"
        document["pathways"][0]["recommendations"][1]["conditions"] = [
            {"question": "site", "operator": "equals", "value": "elbow"}
        ]
        with pytest.raises(EditionFileError) as error:
            services.edition_import(document=document)
        problems = " ".join(error.value.problems)
        assert "review_status: an edition file loads items as draft or submitted, not 'approved'" in problems
        assert "'elbow' is not an answer to “Site of the edema”" in problems
        assert not Edition.objects.filter(number=9).exists()

    def test_a_form_posted_in_the_admin_gets_the_problem_in_an_editors_words(self, client, draft, board):
        from tests.forms import form_data

        item = _item(draft, "vcf-nsaids")
        client.force_login(board["alice"])
        url = reverse("admin:content_recommendation_change", args=[item.pk])
        data = form_data(client.get(url).content.decode(), "recommendation_form")
        data["text"] = ["x" * 6000]
        response = client.post(url, data)
        assert response.status_code == 200 and "at most 5000 characters" in _page(response)
        assert _item(draft, "vcf-nsaids").text != "x" * 6000

    def test_a_statement_without_a_citation_cannot_be_submitted(self, draft, board):
        item = services.item_change(item=_item(draft, "vcf-nsaids"), user=board["alice"], citations=[])
        with pytest.raises(WorkflowError, match="cites no reference"):
            services.item_review(item=item, action="submit", user=board["alice"])


class TestReadableHistory:
    """Breach: history showed condition and citation changes as version numbers, cut text short and
    showed "Deleted user (pk=None)"."""

    def test_history_names_people_and_shows_rows_and_text_in_full(self, client, draft, board):
        item = _item(draft, "vcf-augmentation-after-3-months")
        rows = [
            {**row, "value": "10"} if row["question"] == "conservative_weeks" else row for row in conditions_of(item)
        ]
        long_text = "Offer vertebroplasty or kyphoplasty " + "when pain persists despite care " * 8 + "(end)."
        services.item_change(item=item, user=board["bea"], fields={"text": long_text}, conditions=rows)
        services.item_change(item=item, user=board["alice"], fields={"order": item.order + 1})
        get_user_model().objects.filter(pk=board["alice"].pk).delete()
        client.force_login(board["rob"])
        page = _page(client.get(reverse("admin:content_recommendation_history", args=[item.pk])))
        assert "“Weeks of conservative treatment so far” is at least 12" in page
        assert "“Weeks of conservative treatment so far” is at least 10" in page
        assert "(end)." in page  # the whole text, not cut short
        assert "bea" in page and "a deleted account" in page
        assert "pk=None" not in page and "Version" not in page


class TestPublishingIsDeliberate:
    def test_the_confirmation_shows_the_changes_and_the_note_reaches_clinicians(self, client, first_edition, board):
        draft = services.edition_clone(user=board["alice"])
        change(_item(draft, "vcf-mobilise"), by=board["alice"], text="Mobilise early, with physiotherapy.")
        approve_everything(draft, reviewer=board["rob"])
        client.force_login(board["rob"])
        url = reverse("admin:content_edition_publish", args=[draft.pk])
        page = _page(client.get(url))
        assert "with physiotherapy" in page and "Publication note" in page
        assert client.post(url, {"note": ""}).status_code == 400
        client.post(url, {"note": "Physiotherapy added to early mobilisation."})
        assert Edition.objects.current().pk == draft.pk
        client.logout()
        assert "Physiotherapy added to early mobilisation." in _page(client.get("/guideline/"))


def test_every_write_is_one_transaction(draft, board):
    """A refused operation leaves nothing half-saved: the text is not saved when its rows are refused."""
    item = _item(draft, "vcf-nsaids")
    with pytest.raises(WorkflowError), transaction.atomic():
        services.item_change(
            item=item,
            user=board["alice"],
            fields={"text": "Should not be saved."},
            citations=["no-such-reference"],
        )
    assert _item(draft, "vcf-nsaids").text != "Should not be saved."
    assert not ReviewComment.objects.filter(body="Should not be saved.").exists()


class TestRebaseEdges:
    """Found by review: a rebase must never lose the draft's work, break on a removed reference, or drop notes."""

    @pytest.fixture
    def two_drafts(self, first_edition, board):
        first = services.edition_clone(user=board["alice"])
        second = services.edition_clone(user=board["bea"])
        return first, second

    def test_a_pathway_the_newer_edition_removed_is_kept_when_the_draft_still_uses_it(self, two_drafts, board):
        from bme_wizard.content.models import Pitfall

        first, second = two_drafts
        services.item_remove(item=_item(first, "cno-mri-activity"), user=board["alice"])
        services.item_remove(item=_item(first, "cno"), user=board["alice"])
        approve_everything(first, reviewer=board["rob"])
        publish(first, by=board["chief"])
        # The second draft added a statement under the pathway the first one removed.
        services.item_create(
            edition=second,
            kind=Recommendation,
            user=board["bea"],
            fields={"key": "cno-new", "pathway": "cno", "section": "follow_up", "text": "Follow up with MRI."},
            citations=["praxis-bme-diagnosis-treatment-2025"],
        )
        assert Pitfall  # the draft's other items are untouched
        from bme_wizard.content.selectors import rebase_plan

        plan = rebase_plan(edition=second)
        assert "cno" in {c.key for c in plan.conflicts} and "cno-mri-activity" in plan.taken
        with pytest.raises(WorkflowError, match="Edition 2 removed cno, but this draft still uses it in cno-new"):
            services.edition_rebase(edition=second, user=board["bea"], decisions={"cno": services.THEIRS})
        assert EditionItem.objects.filter(edition=second, key="cno-new").exists()  # nothing was changed
        services.edition_rebase(edition=second, user=board["bea"], decisions={"cno": services.MINE})
        assert set(EditionItem.objects.filter(edition=second, key__in=["cno", "cno-new"]).values_list("key", flat=True))
        assert not EditionItem.objects.filter(edition=second, key="cno-mri-activity").exists()

    def test_a_reference_the_newer_edition_removed_goes_after_the_statements_that_cited_it(
        self, client, two_drafts, board
    ):
        first, second = two_drafts
        removed = "praxis-bme-diagnosis-treatment-2025"
        for key in set(_item(first, removed).cited_by.values_list("item__key", flat=True)):
            citing = _item(first, key)
            rows = [row for row in citing.citation_rows() if row["reference"] != removed]
            if not any(row["part"] == "statement" for row in rows):
                rows.append({"reference": "baumbach-jcm-2020", "part": "statement"})
            services.item_change(item=citing, user=board["alice"], citations=rows)
        services.item_remove(item=_item(first, removed), user=board["alice"])
        approve_everything(first, reviewer=board["rob"])
        publish(first, by=board["chief"])
        services.edition_rebase(edition=second, user=board["bea"])  # nothing changed on both sides
        assert not EditionItem.objects.filter(edition=second, key=removed).exists()
        assert not [line for line in edition_publish_blockers(edition=second) if "Not valid" in line]
        client.force_login(board["rob"])
        assert client.get(reverse("admin:content_edition_review", args=[second.pk])).status_code == 200

    def test_a_lower_numbered_draft_becomes_the_next_edition_when_rebased(self, two_drafts, board):
        first, second = two_drafts
        approve_everything(second, reviewer=board["rob"])
        publish(second, by=board["chief"])  # Edition 3 is current; Edition 2 is now behind
        services.edition_rebase(edition=first, user=board["alice"])
        first.refresh_from_db()
        assert first.number == 4 and first.base == second
        approve_everything(first, reviewer=board["rob"])
        publish(first, by=board["chief"])
        assert Edition.objects.current().pk == first.pk

    def test_items_taken_from_the_newer_edition_bring_its_open_notes(self, two_drafts, board):
        first, second = two_drafts
        change(_item(first, "vcf-mobilise"), by=board["alice"], text="Mobilise early, with physiotherapy.")
        approve_everything(first, reviewer=board["rob"])
        services.comment_add(
            subject=_item(first, "vcf-mobilise"),
            user=board["rita"],
            body="Check physiotherapy access.",
            kind=CommentKind.EDITORIAL,
        )
        publish(first, by=board["chief"])
        services.edition_rebase(edition=second, user=board["bea"])
        taken = _item(second, "vcf-mobilise")
        assert taken.review_comments.filter(is_open=True, body="Check physiotherapy access.").exists()


class TestRemovalEdges:
    def test_a_new_pathway_with_a_removed_base_statement_cannot_be_deleted(self, draft, board):
        from bme_wizard.content.models import Pathway

        pathway = services.item_create(
            edition=draft, kind=Pathway, user=board["alice"], fields={"key": "new-p", "title": "New"}
        )
        moved = services.item_change(
            item=_item(draft, "cno-mri-activity"), user=board["alice"], fields={"pathway": "new-p"}
        )
        services.item_remove(item=moved, user=board["alice"])
        with pytest.raises(WorkflowError, match="still refer to it: cno-mri-activity"):
            services.item_remove(item=pathway, user=board["alice"])
        assert EditionItem.objects.filter(edition=draft, key="cno-mri-activity", is_removed=True).exists()

    def test_restoring_a_statement_whose_reference_was_removed_is_refused(self, client, draft, board):
        statement = _item(draft, "cno-mri-activity")
        services.item_remove(item=statement, user=board["alice"])
        reference = _item(draft, "praxis-bme-diagnosis-treatment-2025")
        for key in [k for k in reference.cited_by.values_list("item__key", flat=True) if k != "cno-mri-activity"]:
            citing = _item(draft, key)
            rows = [r for r in citing.citation_rows() if r["reference"] != reference.key] or ["baumbach-jcm-2020"]
            services.item_change(item=citing, user=board["alice"], citations=rows)
        services.item_remove(item=reference, user=board["alice"])
        with pytest.raises(WorkflowError, match="cites praxis-bme-diagnosis-treatment-2025, marked for removal"):
            services.item_restore(item=statement, user=board["alice"])
        client.force_login(board["rob"])
        assert client.get(reverse("admin:content_edition_review", args=[draft.pk])).status_code == 200

    def test_only_editors_restore(self, client, draft, board):
        statement = services.item_remove(item=_item(draft, "cno-mri-activity"), user=board["alice"])
        client.force_login(board["rob"])  # a reviewer: view only on content
        response = client.post(reverse("admin:content_recommendation_restore", args=[statement.pk]))
        assert response.status_code == 403
        assert _item(draft, "cno-mri-activity").is_removed
        with pytest.raises(WorkflowError, match="right to change recommendations"):
            services.item_restore(item=statement, user=board["rob"])

    def test_the_admin_delete_page_says_it_marks_for_removal(self, client, draft, board):
        item = _item(draft, "cno-mri-activity")
        client.force_login(board["alice"])
        url = reverse("admin:content_recommendation_delete", args=[item.pk])
        assert "Removing it is a change like any other" in " ".join(_page(client.get(url)).split())
        client.post(url)
        assert _item(draft, "cno-mri-activity").is_removed


def test_an_evidence_note_keeps_its_kind_and_a_resolved_one_its_text(first_edition, board):
    item = _item(first_edition, "vcf-mobilise")
    note = services.comment_add(
        subject=item, user=board["rob"], body="Not confirmed here.", kind=CommentKind.NOT_CONFIRMED
    )
    with pytest.raises(WorkflowError, match="stays a not confirmed"):
        services.comment_edit(comment=note, user=board["rob"], body="Fine.", kind=CommentKind.EDITORIAL)
    services.comment_resolve(comment=note, user=board["rita"], reason="Confirmed in another source.")
    with pytest.raises(WorkflowError, match="resolved"):
        services.comment_edit(comment=note, user=board["rob"], body="Rewritten after the fact.")
