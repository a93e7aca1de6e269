"""Editions: one current published edition, and published content that cannot change."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bme_wizard.content import services
from bme_wizard.content.models import (
    Citation,
    Condition,
    Edition,
    EditionImmutableError,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
)
from bme_wizard.content.selectors import edition_current
from bme_wizard.content.services import edition_import
from tests.conftest import make_user, publish_without_checks, small_edition_document

pytestmark = pytest.mark.django_db


class TestSinglePublishedEdition:
    def test_the_database_refuses_a_second_published_edition(self, first_edition):
        rogue = Edition(number=2, status=EditionStatus.PUBLISHED, published_at=timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            Edition.objects.bulk_create([rogue])

    def test_validation_says_so_in_words(self, first_edition):
        rogue = Edition(number=2, status=EditionStatus.PUBLISHED, published_at=timezone.now())
        with pytest.raises(Exception, match="Only one edition can be the current published edition"):
            rogue.full_clean()

    def test_publishing_supersedes_the_previous_edition_in_one_step(self, first_edition, draft_edition):
        publish_without_checks(draft_edition)
        first_edition.refresh_from_db()
        assert first_edition.status == EditionStatus.SUPERSEDED
        assert edition_current() == draft_edition
        assert Edition.objects.filter(status=EditionStatus.PUBLISHED).count() == 1

    def test_an_older_edition_cannot_displace_a_newer_one(self, draft_edition):
        publish_without_checks(draft_edition)  # number 50
        older = edition_import(document=small_edition_document(number=3, title="Older"))
        with pytest.raises(EditionImmutableError, match="older than the current Edition 50"):
            publish_without_checks(older)

    def test_a_published_edition_cannot_be_published_again_or_unpublished(self, first_edition):
        with pytest.raises(EditionImmutableError, match="only a draft can be published"):
            publish_without_checks(first_edition)
        first_edition.status = EditionStatus.DRAFT
        with pytest.raises(EditionImmutableError, match="published to superseded"):
            first_edition.save()


class TestPublishedContentIsImmutable:
    @pytest.fixture
    def recommendation(self, first_edition):
        return Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")

    def test_changing_statement_text_fails_with_a_clear_error(self, recommendation):
        recommendation.text = "Give something else."
        with pytest.raises(EditionImmutableError, match="belongs to a published edition"):
            recommendation.save()
        recommendation.refresh_from_db()
        assert recommendation.text.startswith("For pain relief")

    @pytest.mark.parametrize("field, value", [("key", "renamed"), ("order", 999), ("strength", "strong")])
    def test_other_content_fields_are_frozen_too(self, recommendation, field, value):
        setattr(recommendation, field, value)
        with pytest.raises(EditionImmutableError):
            recommendation.save()

    def test_review_status_may_still_progress(self, recommendation):
        recommendation.start_review()
        recommendation.save(update_fields=["review_status", "updated_at"])
        recommendation.refresh_from_db()
        assert recommendation.review_status == ReviewStatus.UNDER_REVIEW

    def test_review_comments_may_still_be_added(self, recommendation):
        ReviewComment.objects.create(item=recommendation, author_name="Reviewer", body="Checked.")
        assert recommendation.review_comments.filter(body="Checked.").exists()

    def test_conditions_cannot_be_added_changed_or_removed(self, recommendation):
        with pytest.raises(EditionImmutableError):
            Condition.objects.create(item=recommendation, question="site", operator="equals", value="hip")
        condition = recommendation.conditions.first()
        condition.value = "13"
        with pytest.raises(EditionImmutableError):
            condition.save()
        with pytest.raises(EditionImmutableError):
            condition.delete()
        assert recommendation.conditions.count() == 2

    def test_citations_cannot_be_added_or_removed(self, recommendation, first_edition):
        other = Reference.objects.get(edition=first_edition, key="jcd-bmes-advances-2023")
        with pytest.raises(EditionImmutableError):
            Citation.objects.create(item=recommendation, reference=other)
        with pytest.raises(EditionImmutableError):
            recommendation.citations.first().delete()

    def test_items_cannot_be_added_or_deleted(self, first_edition, recommendation):
        with pytest.raises(EditionImmutableError):
            Pitfall.objects.create(edition=first_edition, key="new-pitfall", text="New.")
        with pytest.raises(EditionImmutableError):
            recommendation.delete()
        assert Recommendation.objects.filter(pk=recommendation.pk).exists()

    def test_bulk_updates_and_deletes_are_refused_too(self, first_edition):
        with pytest.raises(EditionImmutableError):
            Recommendation.objects.filter(edition=first_edition).update(text="Overwritten")
        with pytest.raises(EditionImmutableError):
            Pathway.objects.filter(edition=first_edition).update(review_status=ReviewStatus.APPROVED)
        with pytest.raises(EditionImmutableError):
            Condition.objects.filter(item__edition=first_edition).delete()
        with pytest.raises(EditionImmutableError):
            Edition.objects.filter(pk=first_edition.pk).delete()
        assert not Recommendation.objects.filter(text="Overwritten").exists()

    def test_edition_text_is_frozen_and_the_edition_cannot_be_deleted(self, first_edition):
        text = first_edition.text
        text.title = "Renamed"
        with pytest.raises(EditionImmutableError):
            text.save()
        first_edition.number = 7
        with pytest.raises(EditionImmutableError):
            first_edition.save()
        first_edition.refresh_from_db()
        with pytest.raises(EditionImmutableError):
            first_edition.delete()

    def test_an_item_cannot_be_moved_out_of_a_published_edition(self, recommendation, draft_edition):
        recommendation.edition = draft_edition
        recommendation.pathway = Pathway.objects.get(edition=draft_edition)
        with pytest.raises(EditionImmutableError):
            recommendation.save()

    def test_superseded_editions_stay_frozen(self, first_edition, draft_edition, recommendation):
        publish_without_checks(draft_edition)
        recommendation.text = "Changed after supersession."
        with pytest.raises(EditionImmutableError):
            recommendation.save()


class TestDraftContentIsEditable:
    def test_draft_items_conditions_and_citations_change_freely(self, draft_edition):
        recommendation = Recommendation.objects.get(edition=draft_edition)
        recommendation.text = "Do the second thing."
        recommendation.save()
        condition = Condition.objects.create(item=recommendation, question="site", operator="equals", value="hip")
        condition.delete()
        recommendation.citations.all().delete()
        recommendation.delete()  # a draft's own item, in no earlier edition: simply gone
        assert not Recommendation.objects.filter(edition=draft_edition).exists()

    def test_a_draft_edition_can_be_deleted_with_its_content(self, draft_edition):
        draft_edition.delete()
        assert not Recommendation.objects.exists()


class TestFreezeHolesFoundInReview:
    def test_a_published_edition_cannot_be_reopened_by_a_bulk_update(self, first_edition):
        for change in ({"status": "draft"}, {"revision": 0}, {"number": 9}):
            with pytest.raises(EditionImmutableError):
                Edition.objects.filter(pk=first_edition.pk).update(**change)
        first_edition.refresh_from_db()
        assert first_edition.status == EditionStatus.PUBLISHED

    def test_bulk_create_cannot_add_rows_to_a_published_edition(self, first_edition):
        item = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")
        with pytest.raises(EditionImmutableError):
            Condition.objects.bulk_create([Condition(item=item, question="site", operator="equals", value="hip")])
        with pytest.raises(EditionImmutableError):
            Citation.objects.bulk_create(
                [Citation(item=item, reference=Reference.objects.get(edition=first_edition, key="baumbach-jcm-2020"))]
            )
        assert item.conditions.count() == 2

    def test_saving_a_stale_edition_object_never_lowers_the_revision(self, first_edition):
        stale = Edition.objects.get(pk=first_edition.pk)
        reviewer = make_user("rob", "Reviewer")
        recommendation = Recommendation.objects.get(edition=first_edition, key="vcf-mobilise")
        for action in ("start_review", "approve"):
            services.item_review(item=recommendation, action=action, user=reviewer)
        before = Edition.objects.get(pk=first_edition.pk).revision
        stale.save()
        assert stale.revision == before + 1
        assert Edition.objects.get(pk=first_edition.pk).revision == before + 1

    def test_an_operation_moves_the_revision_on_once(self, draft_edition):
        draft_edition.refresh_from_db()
        before = draft_edition.revision
        recommendation = Recommendation.objects.get(edition=draft_edition)
        services.item_change(
            item=recommendation,
            user=make_user("alice", "Author"),
            fields={"text": "New text", "strength": "strong"},
            conditions=[{"question": "site", "operator": "equals", "value": "hip"}],
            citations=["ref-a"],
        )
        draft_edition.refresh_from_db()
        assert draft_edition.revision == before + 1
