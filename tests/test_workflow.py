"""The editorial workflow in the service layer: review steps and roles, four-eyes, editing
sends items back to draft, cloning, gated and atomic publishing, scenarios, edit conflicts,
history."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from bme_wizard.content import services
from bme_wizard.content.models import (
    Citation,
    Condition,
    EditConflictError,
    Edition,
    EditionItem,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
    Scenario,
)
from bme_wizard.content.selectors import edition_publish_blockers, scenario_results
from bme_wizard.content.services import WorkflowError
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_reviewer():
    return make_user("rita", "Reviewer")


@pytest.fixture
def chief():
    return make_user("chief", "Editor in chief")


def _item(edition, key):
    return EditionItem.objects.get(edition=edition, key=key)


def _status(item):
    return EditionItem.objects.get(pk=item.pk).review_status


def _approve_all(edition, reviewer):
    for item in EditionItem.objects.filter(edition=edition):
        for action in ("submit", "start_review", "approve"):
            if action == "submit" and item.review_status != ReviewStatus.DRAFT:
                continue
            item = EditionItem.objects.get(pk=item.pk)
            if action == "start_review" and item.review_status != ReviewStatus.SUBMITTED:
                continue
            user = reviewer if action != "submit" else make_user(f"submitter-{item.pk}", "Author")
            services.item_review(item=item, action=action, user=user)


class TestReviewSteps:
    def test_the_whole_path_author_submits_reviewer_reviews_and_approves(self, draft, author, reviewer):
        item = _item(draft, "vcf-nsaids")
        services.item_note_change(item=item, user=author)
        item.save()
        assert _status(item) == ReviewStatus.DRAFT
        services.item_review(item=item, action="submit", user=author)
        assert _status(item) == ReviewStatus.SUBMITTED
        services.item_review(item=item, action="start_review", user=reviewer)
        assert _status(item) == ReviewStatus.UNDER_REVIEW
        services.item_review(item=item, action="approve", user=reviewer, comment="Checked against the source.")
        assert _status(item) == ReviewStatus.APPROVED
        assert ReviewComment.objects.filter(item=item, author=reviewer, body="Checked against the source.").exists()

    def test_changes_requested_go_back_to_the_author_who_resubmits(self, draft, author, reviewer):
        item = _item(draft, "vcf-mobilise")  # ships submitted
        services.item_review(item=item, action="start_review", user=reviewer)
        services.item_review(item=item, action="request_changes", user=reviewer, comment="Cite the source figure.")
        assert _status(item) == ReviewStatus.CHANGES_REQUESTED
        services.item_review(item=item, action="submit", user=author)
        assert _status(item) == ReviewStatus.SUBMITTED

    @pytest.mark.parametrize(
        ("start", "action", "role", "reason"),
        [
            # Skipping a state.
            (ReviewStatus.SUBMITTED, "approve", "Reviewer", "it is submitted"),
            (ReviewStatus.DRAFT, "approve", "Reviewer", "it is draft"),
            (ReviewStatus.DRAFT, "start_review", "Reviewer", "it is draft"),
            (ReviewStatus.APPROVED, "submit", "Author", "it is approved"),
            (ReviewStatus.UNDER_REVIEW, "submit", "Author", "it is under review"),
            # The wrong role.
            (ReviewStatus.SUBMITTED, "start_review", "Author", "Only a reviewer may start review"),
            (ReviewStatus.UNDER_REVIEW, "approve", "Author", "Only a reviewer may approve"),
            (ReviewStatus.DRAFT, "submit", "Reviewer", "Only an author may submit for review"),
            # Not a step at all.
            (ReviewStatus.SUBMITTED, "publish", "Editor in chief", "Unknown review step"),
        ],
    )
    def test_forbidden_steps_are_refused_with_the_reason_and_change_nothing(self, draft, start, action, role, reason):
        item = _item(draft, "vcf-nsaids")
        EditionItem.objects.filter(pk=item.pk).update(review_status=start)
        version = EditionItem.objects.get(pk=item.pk).version
        with pytest.raises(WorkflowError, match=reason):
            services.item_review(item=item, action=action, user=make_user("someone", role), comment="A note")
        after = EditionItem.objects.get(pk=item.pk)
        assert (after.review_status, after.version) == (start, version)
        assert not ReviewComment.objects.filter(body="A note").exists()

    def test_a_change_request_needs_a_comment(self, draft, reviewer):
        item = _item(draft, "vcf-nsaids")
        services.item_review(item=item, action="start_review", user=reviewer)
        with pytest.raises(WorkflowError, match="needs a comment"):
            services.item_review(item=item, action="request_changes", user=reviewer, comment="   ")
        assert _status(item) == ReviewStatus.UNDER_REVIEW

    def test_four_eyes_the_last_person_to_change_an_item_cannot_approve_it(self, draft, chief, second_reviewer):
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        item.text = "For pain relief, start with an NSAID; review after two weeks."
        services.item_note_change(item=item, user=chief)
        item.save()
        services.item_review(item=item, action="submit", user=chief)
        services.item_review(item=item, action="start_review", user=chief)
        with pytest.raises(WorkflowError, match="four-eyes"):
            services.item_review(item=item, action="approve", user=chief)
        assert _status(item) == ReviewStatus.UNDER_REVIEW
        services.item_review(item=item, action="approve", user=second_reviewer)
        assert _status(item) == ReviewStatus.APPROVED

    def test_a_content_change_sends_an_approved_item_back_to_draft(self, draft, author, reviewer):
        item = _item(draft, "vcf-nsaids")
        for action in ("start_review", "approve"):
            services.item_review(item=item, action=action, user=reviewer)
        item = Recommendation.objects.get(pk=item.pk)
        item.text = "Changed after approval."
        services.item_note_change(item=item, user=author)
        item.save()
        item.refresh_from_db()
        assert (item.review_status, item.changed_by) == (ReviewStatus.DRAFT, author)

    def test_published_items_are_reviewed_in_place_without_changing_their_text(self, first_edition, reviewer):
        item = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")
        text = item.text
        for action in ("start_review", "approve"):
            services.item_review(item=item, action=action, user=reviewer)
        item.refresh_from_db()
        assert (item.review_status, item.text, item.edition.status) == (
            ReviewStatus.APPROVED,
            text,
            EditionStatus.PUBLISHED,
        )

    def test_superseded_items_are_closed_to_review(self, first_edition, draft, reviewer, chief):
        _approve_all(draft, reviewer)
        services.edition_publish(edition=draft, user=chief)
        old = _item(first_edition, "vcf-nsaids")
        with pytest.raises(WorkflowError, match="superseded"):
            services.item_review(item=old, action="start_review", user=reviewer)


class TestClone:
    def test_the_clone_is_complete_and_equal(self, first_edition, draft):
        assert (draft.number, draft.status) == (first_edition.number + 1, EditionStatus.DRAFT)
        for model in (Pathway, Recommendation, Pitfall, Reference):
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if f.name not in {"id", "editionitem_ptr", "edition", "pathway", "version", "created_at", "updated_at"}
            ]
            old = list(model.objects.filter(edition=first_edition).order_by("key").values(*fields))
            new = list(model.objects.filter(edition=draft).order_by("key").values(*fields))
            assert old and old == new, model
        for model, columns in (
            (Condition, ["item__key", "question", "operator", "value", "group", "order"]),
            (Citation, ["item__key", "reference__key", "order"]),
        ):
            old = sorted(model.objects.filter(item__edition=first_edition).values_list(*columns))
            new = sorted(model.objects.filter(item__edition=draft).values_list(*columns))
            assert old and old == new, model
        # Citations point at the draft's own references, and open comments came along.
        assert not Citation.objects.filter(item__edition=draft).exclude(reference__edition=draft).exists()
        open_comments = ReviewComment.objects.filter(is_open=True)
        assert (
            open_comments.filter(item__edition=draft).count()
            == open_comments.filter(item__edition=first_edition).count()
        )
        assert Recommendation.objects.filter(edition=draft, pathway__edition=first_edition).count() == 0

    def test_the_clone_gives_the_same_plans(self, first_edition, draft):
        old = {r.spec.key: r.passed for r in scenario_results(edition=first_edition)}
        new = {r.spec.key: r.passed for r in scenario_results(edition=draft)}
        assert old == new and all(new.values()) and len(new) >= 20

    def test_an_author_may_start_a_draft_a_reviewer_may_not(self, first_edition, reviewer):
        with pytest.raises(WorkflowError, match="right to start a new draft"):
            services.edition_clone(user=reviewer)
        assert Edition.objects.count() == 1

    def test_a_failure_midway_leaves_no_half_copied_edition(self, first_edition, author):
        failing = mock.patch.object(Citation.objects, "bulk_create", side_effect=RuntimeError("disk full"))
        with failing, pytest.raises(RuntimeError):
            services.edition_clone(user=author)
        assert Edition.objects.count() == 1
        assert not EditionItem.objects.exclude(edition=first_edition).exists()


class TestPublish:
    def test_publishing_needs_every_item_approved(self, draft, chief):
        with pytest.raises(WorkflowError, match=r"item\(s\) not approved: .*\(submitted\)"):
            services.edition_publish(edition=draft, user=chief)
        draft.refresh_from_db()
        assert draft.status == EditionStatus.DRAFT
        assert Edition.objects.current().number == 1

    def test_a_failing_scenario_blocks_publishing(self, draft, reviewer, chief):
        _approve_all(draft, reviewer)
        assert edition_publish_blockers(edition=draft) == []
        Condition.objects.create(
            item=_item(draft, "ia-ramris-over-2"), question="ramris_bme", operator="greater_than", value="10"
        )
        blockers = edition_publish_blockers(edition=draft)
        assert any("ra-ramris-over-2" not in line and "RAMRIS BME 5" in line for line in blockers), blockers
        with pytest.raises(WorkflowError, match="Should show but does not: ia-ramris-over-2"):
            services.edition_publish(edition=draft, user=chief)
        assert Edition.objects.current().number == 1

    def test_only_reviewers_and_the_editor_in_chief_publish(self, draft, reviewer, author):
        _approve_all(draft, reviewer)
        with pytest.raises(WorkflowError, match="right to publish"):
            services.edition_publish(edition=draft, user=author)
        services.edition_publish(edition=draft, user=reviewer)
        assert Edition.objects.current().pk == draft.pk

    def test_publishing_supersedes_the_previous_edition(self, first_edition, draft, reviewer, chief):
        _approve_all(draft, reviewer)
        services.edition_publish(edition=draft, user=chief)
        first_edition.refresh_from_db()
        draft.refresh_from_db()
        assert (first_edition.status, draft.status) == (EditionStatus.SUPERSEDED, EditionStatus.PUBLISHED)
        with pytest.raises(ValidationError, match="only a draft can be published"):
            services.edition_publish(edition=draft, user=chief)

    def test_a_failure_midway_leaves_the_old_edition_current(self, first_edition, draft, reviewer, chief):
        _approve_all(draft, reviewer)
        real_save = Edition.save
        calls = []

        def failing_save(self, *args, **kwargs):
            calls.append(self.status)
            if self.status == EditionStatus.PUBLISHED:  # after the old one was superseded
                raise RuntimeError("connection lost")
            return real_save(self, *args, **kwargs)

        with mock.patch.object(Edition, "save", failing_save), pytest.raises(RuntimeError):
            services.edition_publish(edition=draft, user=chief)
        assert calls == [EditionStatus.SUPERSEDED, EditionStatus.PUBLISHED]
        first_edition.refresh_from_db()
        draft.refresh_from_db()
        assert (first_edition.status, draft.status) == (EditionStatus.PUBLISHED, EditionStatus.DRAFT)

    def test_the_command_line_path_is_gated_by_scenarios(self, first_edition, draft):
        Condition.objects.create(item=_item(draft, "cno"), question="context", operator="equals", value="unclear")
        with pytest.raises(WorkflowError, match="Scenario “Chronic non-bacterial osteomyelitis” fails"):
            services.edition_make_current(edition=draft)
        assert Edition.objects.current().pk == first_edition.pk


class TestScenarios:
    def test_every_pathway_and_pitfall_of_the_first_edition_is_covered(self, first_edition):
        covered = {key for scenario in Scenario.objects.all() for key in scenario.must_show}
        keys = set(Pathway.objects.filter(edition=first_edition).values_list("key", flat=True))
        keys |= set(Pitfall.objects.filter(edition=first_edition).values_list("key", flat=True))
        assert keys <= covered, keys - covered
        assert all(result.passed for result in scenario_results(edition=first_edition))

    def test_a_scenario_names_what_fails(self, first_edition):
        Scenario.objects.filter(key="cno-follow-up").update(must_show=["cno", "refractory-denosumab", "gone-key"])
        result = next(r for r in scenario_results(edition=first_edition) if r.spec.key == "cno-follow-up")
        assert not result.passed
        assert result.problems() == [
            "Not in this edition: gone-key",
            "Should show but does not: refractory-denosumab",
        ]

    def test_inactive_scenarios_do_not_run(self, first_edition):
        Scenario.objects.filter(key="cno-follow-up").update(must_show=["refractory"], is_active=False)
        assert "cno-follow-up" not in {r.spec.key for r in scenario_results(edition=first_edition)}

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"answers": {"context": "elbow"}}, "answers", "context"),
            ({"must_show": "cno"}, "must_show", "list of item keys"),
            ({"must_show": ["cno"], "must_not_show": ["cno"]}, "must_not_show", "Both must and must not show"),
        ],
    )
    def test_bad_scenarios_are_refused_with_field_errors(self, first_edition, changes, field, message):
        scenario = Scenario.objects.get(key="cno-follow-up")
        for name, value in changes.items():
            setattr(scenario, name, value)
        with pytest.raises(ValidationError) as error:
            scenario.full_clean()
        assert message in " ".join(error.value.message_dict[field])


class TestEditConflicts:
    def test_a_save_from_a_stale_copy_is_refused_and_the_first_save_kept(self, draft):
        first = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        second = Recommendation.objects.get(pk=first.pk)
        first.text = "The first editor's text."
        first.save()
        second.text = "The second editor's text."
        with pytest.raises(EditConflictError, match="after you opened it"):
            second.save()
        stored = Recommendation.objects.get(pk=first.pk)
        assert (stored.text, stored.version) == ("The first editor's text.", first.version)
        assert second.version == first.version - 1  # unchanged by the refused save

    def test_saving_the_same_copy_twice_is_fine(self, draft):
        item = Pitfall.objects.get(edition=draft, key="pitfall-nonspecific")
        for text in ("Once.", "Twice."):
            item.text = text
            item.save()
        assert Pitfall.objects.get(pk=item.pk).text == "Twice."


class TestHistory:
    def test_every_change_leaves_a_history_row_with_its_author(self, draft, author, reviewer):
        item = Recommendation.objects.get(edition=draft, key="vcf-nsaids")
        before = item.history.count()
        item.text = "Revised wording."
        services.item_note_change(item=item, user=author)
        item._history_user = author
        item.save()
        services.item_review(item=item, action="submit", user=author)
        records = list(Recommendation.history.filter(id=item.pk).order_by("history_date", "history_id"))
        assert len(records) == before + 2
        change = records[-2].diff_against(records[-3])
        assert {"text", "review_status", "changed_by"} <= set(change.changed_fields)
        assert records[-2].history_user == author and records[-2].text == "Revised wording."
        assert records[-1].review_status == ReviewStatus.SUBMITTED
        assert records[-1].history_change_reason == "Submit for review"

    def test_conditions_and_citations_have_history_too(self, draft):
        condition = Condition.objects.create(
            item=_item(draft, "vcf-nsaids"), question="severe_pain", operator="equals", value="no"
        )
        pk = condition.pk
        assert condition.history.count() == 1
        condition.delete()
        assert Condition.history.filter(id=pk).latest("history_date").history_type == "-"


class TestReviewInPlace:
    def test_the_caution_banner_goes_once_every_shown_statement_is_approved(self, client, first_edition, reviewer):
        from bme_wizard.clinic.selectors import plan_for
        from tests.conftest import answers
        from tests.wizard_walk import walk

        summary_url = walk(client, answers(context="cno"))
        before = client.get(summary_url).content.decode()
        assert "Pending review." in before and "Review: Submitted" in before
        plan = plan_for(answers=answers(context="cno"))
        shown = [item.entry.id for item in (*plan.pathways, *plan.recommendations, *plan.pitfalls)]
        shown += [reference.entry.id for reference in plan.references]
        for item in EditionItem.objects.filter(pk__in=shown):
            for action in ("start_review", "approve"):
                services.item_review(item=item, action=action, user=reviewer)
        page = client.get(summary_url).content.decode()
        assert "Pending review." not in page
        # Each statement's own label too: the cached plan body follows the edition's revision.
        assert "Review: Submitted" not in page and "Review: Approved" in page
        assert "Pending review." in client.get("/guideline/").content.decode()  # the rest still awaits review
