"""The editorial workflow in the service layer: review steps and roles, four-eyes, editing sends items
back to draft, cloning, gated and atomic publishing, scenarios, edit conflicts, history."""

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
    EditionText,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
    Scenario,
)
from bme_wizard.content.selectors import edition_publish_blockers, scenario_results, scenario_specs_for
from bme_wizard.content.services import WorkflowError
from tests.conftest import make_user
from tests.editorial import (
    approve,
    approve_everything,
    approve_scenarios,
    change,
    conditions_of,
    person,
    publish,
    resolve_blocking_notes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_reviewer():
    return make_user("rita", "Reviewer")


@pytest.fixture
def chief():
    return make_user("chief", "Editor in chief")


def _item(edition, key):
    return EditionItem.objects.get(edition=edition, key=key).as_concrete()


def _status(item):
    return EditionItem.objects.get(pk=item.pk).review_status


def _set_status(item, status, reviewer):
    """Walk ``item`` to ``status`` through the review steps (the only way it moves)."""
    author = person("walker", "Author")
    if status == ReviewStatus.DRAFT:
        return change(item, by=author, order=item.order + 1)
    steps = {
        ReviewStatus.SUBMITTED: [],
        ReviewStatus.UNDER_REVIEW: [("start_review", reviewer)],
        ReviewStatus.APPROVED: [("start_review", reviewer), ("approve", reviewer)],
    }[status]
    for action, user in steps:
        item = services.item_review(item=item, action=action, user=user)
    return item


class TestReviewSteps:
    def test_the_whole_path_author_submits_reviewer_reviews_and_approves(self, draft, author, reviewer):
        item = change(_item(draft, "vcf-mobilise"), by=author, text="Mobilise early; avoid prolonged bed rest.")
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
    def test_forbidden_steps_are_refused_with_the_reason_and_change_nothing(
        self, draft, reviewer, start, action, role, reason
    ):
        item = _set_status(_item(draft, "vcf-mobilise"), start, reviewer)
        version = EditionItem.objects.get(pk=item.pk).version
        with pytest.raises(WorkflowError, match=reason):
            services.item_review(item=item, action=action, user=make_user("someone", role), comment="A note")
        after = EditionItem.objects.get(pk=item.pk)
        assert (after.review_status, after.version) == (start, version)
        assert not ReviewComment.objects.filter(body="A note").exists()

    def test_a_change_request_needs_a_comment(self, draft, reviewer):
        item = _item(draft, "vcf-mobilise")
        services.item_review(item=item, action="start_review", user=reviewer)
        with pytest.raises(WorkflowError, match="needs a comment"):
            services.item_review(item=item, action="request_changes", user=reviewer, comment="   ")
        assert _status(item) == ReviewStatus.UNDER_REVIEW

    def test_four_eyes_whoever_changed_an_item_cannot_approve_it(self, draft, chief, second_reviewer):
        item = change(_item(draft, "vcf-mobilise"), by=chief, text="Mobilise early; review after two weeks.")
        services.item_review(item=item, action="submit", user=chief)
        services.item_review(item=item, action="start_review", user=chief)
        with pytest.raises(WorkflowError, match="four-eyes"):
            services.item_review(item=item, action="approve", user=chief)
        assert _status(item) == ReviewStatus.UNDER_REVIEW
        services.item_review(item=item, action="approve", user=second_reviewer)
        assert _status(item) == ReviewStatus.APPROVED

    def test_a_content_change_sends_an_approved_item_back_to_draft(self, draft, author, reviewer):
        item = _set_status(_item(draft, "vcf-mobilise"), ReviewStatus.APPROVED, reviewer)
        item = change(item, by=author, text="Changed after approval.")
        assert (item.review_status, item.changed_by) == (ReviewStatus.DRAFT, author)
        assert set(item.contributors.all()) == {author}

    def test_a_change_that_changes_nothing_keeps_the_review(self, draft, author, reviewer):
        item = _set_status(_item(draft, "vcf-mobilise"), ReviewStatus.APPROVED, reviewer)
        change(item, by=author, text=item.text, conditions=conditions_of(item))
        assert _status(item) == ReviewStatus.APPROVED

    def test_published_items_are_reviewed_in_place_without_changing_their_text(self, first_edition, reviewer):
        item = _item(first_edition, "vcf-mobilise")
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
        approve_everything(draft, reviewer=reviewer)
        publish(draft, by=chief)
        old = _item(first_edition, "vcf-mobilise")
        with pytest.raises(WorkflowError, match="superseded"):
            services.item_review(item=old, action="start_review", user=reviewer)


class TestClone:
    def test_the_clone_is_complete_and_equal(self, first_edition, draft):
        assert (draft.number, draft.status, draft.base) == (
            first_edition.number + 1,
            EditionStatus.DRAFT,
            first_edition,
        )
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
            (Citation, ["item__key", "reference__key", "part", "order"]),
        ):
            old = sorted(model.objects.filter(item__edition=first_edition).values_list(*columns))
            new = sorted(model.objects.filter(item__edition=draft).values_list(*columns))
            assert old and old == new, model
        # Citations point at the draft's own references, and open comments came along with their kind.
        assert not Citation.objects.filter(item__edition=draft).exclude(reference__edition=draft).exists()
        open_comments = ReviewComment.objects.filter(is_open=True)
        assert sorted(open_comments.filter(item__edition=draft).values_list("item__key", "kind")) == sorted(
            open_comments.filter(item__edition=first_edition).values_list("item__key", "kind")
        )
        assert Recommendation.objects.filter(edition=draft, pathway__edition=first_edition).count() == 0

    def test_the_draft_text_starts_a_new_summary_to_review(self, first_edition, draft, author):
        text = EditionText.objects.get(edition=draft)
        assert (text.title, text.summary, text.content_date) == (first_edition.title, "", None)
        assert text.review_status == ReviewStatus.DRAFT and text.source_note == first_edition.text.source_note

    def test_the_clone_gives_the_same_plans(self, first_edition, draft):
        specs = scenario_specs_for(edition=first_edition)
        old = {r.spec.key: r.passed for r in scenario_results(edition=first_edition)}
        new = {r.spec.key: r.passed for r in scenario_results(edition=draft, specs=specs)}
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
            publish(draft, by=chief)
        draft.refresh_from_db()
        assert draft.status == EditionStatus.DRAFT
        assert Edition.objects.current().number == 1

    def test_publishing_needs_a_note_for_clinicians(self, draft, reviewer, chief):
        approve_everything(draft, reviewer=reviewer)
        with pytest.raises(WorkflowError, match="Write the publication note"):
            publish(draft, by=chief, note="  ")
        publish(draft, by=chief, note="Reworded the NSAID statement.")
        draft.refresh_from_db()
        assert (draft.status, draft.publication_note) == (EditionStatus.PUBLISHED, "Reworded the NSAID statement.")

    def test_a_failing_approved_scenario_blocks_publishing(self, draft, reviewer, chief):
        approve_scenarios()
        approve_everything(draft, reviewer=reviewer)
        assert edition_publish_blockers(edition=draft) == []
        item = _item(draft, "ia-ramris-over-2")
        rows = [{**row, "value": "10"} if row["question"] == "ramris_bme" else row for row in conditions_of(item)]
        approve(change(item, conditions=rows), reviewer=reviewer)
        blockers = edition_publish_blockers(edition=draft)
        assert any("ia-ramris-over-2" in line and "RAMRIS BME 5" in line for line in blockers), blockers
        with pytest.raises(WorkflowError, match="Should show but does not: ia-ramris-over-2"):
            publish(draft, by=chief)
        assert Edition.objects.current().number == 1

    def test_only_reviewers_and_the_editor_in_chief_publish(self, draft, reviewer, author):
        approve_everything(draft, reviewer=make_user("rita", "Reviewer"))
        with pytest.raises(WorkflowError, match="right to publish"):
            publish(draft, by=author)
        publish(draft, by=reviewer)
        assert Edition.objects.current().pk == draft.pk

    def test_publishing_supersedes_the_previous_edition(self, first_edition, draft, reviewer, chief):
        approve_everything(draft, reviewer=reviewer)
        publish(draft, by=chief)
        first_edition.refresh_from_db()
        draft.refresh_from_db()
        assert (first_edition.status, draft.status) == (EditionStatus.SUPERSEDED, EditionStatus.PUBLISHED)
        with pytest.raises(ValidationError, match="only a draft can be published"):
            publish(draft, by=chief)

    def test_a_failure_midway_leaves_the_old_edition_current(self, first_edition, draft, reviewer, chief):
        approve_everything(draft, reviewer=reviewer)
        real_save = Edition.save
        calls = []

        def failing_save(self, *args, **kwargs):
            calls.append(self.status)
            if self.status == EditionStatus.PUBLISHED:  # after the old one was superseded
                raise RuntimeError("connection lost")
            return real_save(self, *args, **kwargs)

        with mock.patch.object(Edition, "save", failing_save), pytest.raises(RuntimeError):
            publish(draft, by=chief)
        assert calls == [EditionStatus.SUPERSEDED, EditionStatus.PUBLISHED]
        first_edition.refresh_from_db()
        draft.refresh_from_db()
        assert (first_edition.status, draft.status) == (EditionStatus.PUBLISHED, EditionStatus.DRAFT)

    def test_the_command_line_path_never_replaces_a_current_edition(self, first_edition, draft):
        with pytest.raises(WorkflowError, match="Edition 1 is current: a new edition replaces it only through"):
            services.edition_make_current(edition=draft)
        assert Edition.objects.current().pk == first_edition.pk

    def test_the_command_line_path_is_gated_by_the_files_scenarios(self, first_edition_document):
        import copy

        document = copy.deepcopy(first_edition_document)
        cno = next(p for p in document["pathways"] if p["key"] == "cno")
        cno["conditions"] = [{"question": "context", "operator": "equals", "value": "unclear"}]
        with pytest.raises(WorkflowError, match="Scenario “Chronic non-bacterial osteomyelitis” fails"):
            services.edition_import(document=document, publish=True)
        assert not Edition.objects.exists()


class TestScenarios:
    def test_every_pathway_and_pitfall_of_the_first_edition_is_covered(self, first_edition):
        covered = {key for scenario in Scenario.objects.all() for key in scenario.must_show}
        keys = set(Pathway.objects.filter(edition=first_edition).values_list("key", flat=True))
        keys |= set(Pitfall.objects.filter(edition=first_edition).values_list("key", flat=True))
        assert keys <= covered, keys - covered
        results = scenario_results(edition=first_edition)
        assert len(results) == Scenario.objects.count() and all(result.passed for result in results)

    def test_a_scenario_names_what_fails(self, first_edition, draft):
        approve_scenarios()
        scenario = Scenario.objects.get(key="cno-follow-up")
        services.scenario_save(
            scenario=scenario,
            user=person("board-author", "Author"),
            fields={"must_show": ["cno", "refractory-denosumab", "vcf-nsaids"]},
        )
        approve_scenarios()
        result = next(r for r in scenario_results(edition=draft) if r.spec.key == "cno-follow-up")
        assert not result.passed
        assert result.problems() == ["Should show but does not: refractory-denosumab, vcf-nsaids"]

    def test_inactive_approved_scenarios_do_not_run(self, first_edition, draft):
        approve_scenarios()
        services.scenario_save(
            scenario=Scenario.objects.get(key="cno-follow-up"),
            user=person("board-author", "Author"),
            fields={"is_active": False},
        )
        assert "cno-follow-up" in {r.spec.key for r in scenario_results(edition=draft)}  # until approved
        approve_scenarios()
        assert "cno-follow-up" not in {r.spec.key for r in scenario_results(edition=draft)}

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"answers": {"context": "elbow"}}, "context"),
            ({"must_show": "cno"}, "list of item keys"),
            ({"must_show": ["cno"], "must_not_show": ["cno"]}, "Both must and must not show"),
            ({"must_show": ["no-such-item"]}, "No pathway, statement or pitfall has the key no-such-item"),
        ],
    )
    def test_bad_scenarios_are_refused_with_field_errors(self, first_edition, changes, message):
        scenario = Scenario.objects.get(key="cno-follow-up")
        with pytest.raises(WorkflowError, match=message):
            services.scenario_save(scenario=scenario, user=person("board-author", "Author"), fields=changes)
        assert Scenario.objects.get(pk=scenario.pk).version == scenario.version


class TestEditConflicts:
    def test_a_save_from_a_stale_copy_is_refused_and_the_first_save_kept(self, draft, author):
        item = _item(draft, "vcf-mobilise")
        opened = item.version
        services.item_change(item=item, user=author, fields={"text": "The first editor's text."}, version=opened)
        other = make_user("bea", "Author")
        with pytest.raises(EditConflictError, match="after you opened it"):
            services.item_change(item=item, user=other, fields={"text": "The second editor's text."}, version=opened)
        stored = Recommendation.objects.get(pk=item.pk)
        assert (stored.text, stored.version) == ("The first editor's text.", opened + 1)

    def test_saving_the_same_copy_twice_is_fine(self, draft, author):
        item = _item(draft, "pitfall-nonspecific")
        for text in ("Once.", "Twice."):
            item = services.item_change(item=item, user=author, fields={"text": text}, version=item.version)
        assert Pitfall.objects.get(pk=item.pk).text == "Twice."


class TestHistory:
    def test_every_change_leaves_one_history_row_with_its_author(self, draft, author, reviewer):
        item = _item(draft, "vcf-mobilise")
        before = item.history.count()
        revised = services.item_change(
            item=item,
            user=author,
            fields={"text": "Revised wording."},
            conditions=[{"question": "severe_pain", "operator": "equals", "value": "no"}],
        )
        services.item_review(item=revised, action="submit", user=author)
        records = list(Recommendation.history.filter(id=item.pk).order_by("history_date", "history_id"))
        assert len(records) == before + 2  # one for the change (text and conditions), one for the step
        change_record = records[-2]
        assert change_record.history_user == author and change_record.text == "Revised wording."
        assert change_record.conditions_text == "“Severe pain?” is No"
        assert records[-1].review_status == ReviewStatus.SUBMITTED
        assert records[-1].history_change_reason == "Submit for review"

    def test_conditions_and_citations_are_recorded_in_the_items_history(self, draft, author):
        item = _item(draft, "vcf-nsaids")
        services.item_change(item=item, user=author, citations=["baumbach-jcm-2020"])
        record = Recommendation.history.filter(id=item.pk).latest("history_date")
        assert record.citations_text.startswith("baumbach-jcm-2020: How We Manage Bone Marrow Edema")
        assert "Weeks of conservative treatment so far" in record.conditions_text


class TestReviewInPlace:
    def test_the_caution_banner_goes_once_every_shown_statement_is_approved(self, client, first_edition, reviewer):
        from bme_wizard.clinic.selectors import plan_request
        from tests.conftest import answers
        from tests.wizard_walk import walk

        summary_url = walk(client, answers(context="cno"))
        before = client.get(summary_url).content.decode()
        assert "Pending review." in before and "Review: Submitted" in before
        plan = plan_request({"answers": answers(context="cno")})
        shown = [item.entry.id for item in (*plan.pathways, *plan.recommendations, *plan.pitfalls)]
        shown += [reference.entry.id for reference in plan.references]
        shown.append(first_edition.text.pk)  # the edition's title and source note are shown too
        resolve_blocking_notes({"item__in": shown}, by=reviewer)
        for item in EditionItem.objects.filter(pk__in=shown):
            for action in ("start_review", "approve"):
                services.item_review(item=item, action=action, user=reviewer)
        page = client.get(summary_url).content.decode()
        assert "Pending review." not in page
        # Each statement's own label too: the cached plan body follows the edition's revision.
        assert "Review: Submitted" not in page and "Review: Approved" in page
        assert "Pending review." in client.get("/guideline/").content.decode()  # the rest still awaits review
