"""The database refuses changes to a published edition's content that get past the Python guard:
raw SQL and the unguarded base managers (see content.db_guard)."""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import call_command, get_commands
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from bme_wizard.content import db_guard
from bme_wizard.content.models import (
    Citation,
    Condition,
    Edition,
    EditionItem,
    EditionStatus,
    EditionText,
    FrozenWhenPublished,
    Recommendation,
    Reference,
    ReviewStatus,
)
from bme_wizard.content.services import edition_import
from tests.conftest import publish_without_checks, small_edition_document

pytestmark = pytest.mark.django_db

FROZEN_CONTENT_TABLES = {
    model._meta.db_table
    for model in apps.get_app_config("content").get_models()
    if issubclass(model, FrozenWhenPublished) and not model._meta.proxy
}


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextmanager
def refused():
    """The write inside is refused by a trigger; the savepoint lets the test go on."""
    # Both vendors raise IntegrityError: the PostgreSQL triggers raise SQLSTATE 23000.
    with pytest.raises(IntegrityError, match="published edition"), transaction.atomic():
        yield


@pytest.fixture
def recommendation(first_edition):
    return Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")


@pytest.fixture
def uncited(first_edition, recommendation):
    """A reference of the published edition that the recommendation does not cite."""
    reference = Reference.objects.filter(edition=first_edition).exclude(cited_by__item=recommendation).first()
    assert reference is not None
    return reference


def test_every_frozen_content_model_has_triggers():
    assert {
        "content_edition",
        "content_editionitem",
        "content_pathway",
        "content_recommendation",
        "content_pitfall",
        "content_reference",
        "content_condition",
        "content_citation",
    } <= FROZEN_CONTENT_TABLES
    # Found from the models, so a content model added later is guarded without a change here.
    assert {model._meta.db_table for model in db_guard.guarded_models()} == FROZEN_CONTENT_TABLES
    assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES


class TestPublishedContentIsRefused:
    def test_a_recommendations_text(self, recommendation):
        with refused():
            sql(
                "UPDATE content_recommendation SET text = %s WHERE editionitem_ptr_id = %s", "Other.", recommendation.pk
            )
        with refused():
            Recommendation._base_manager.filter(pk=recommendation.pk).update(text="Other.")
        assert Recommendation.objects.get(pk=recommendation.pk).text == recommendation.text

    @pytest.mark.parametrize("column, value", [("key", "renamed"), ("order", 999)])
    def test_an_items_key_and_order(self, recommendation, column, value):
        with refused():
            sql(f'UPDATE content_editionitem SET "{column}" = %s WHERE id = %s', value, recommendation.pk)  # noqa: S608
        with refused():
            EditionItem._base_manager.filter(pk=recommendation.pk).update(**{column: value})
        with refused():  # through the child, which writes the parent's table
            Recommendation._base_manager.filter(pk=recommendation.pk).update(**{column: value})
        assert getattr(EditionItem.objects.get(pk=recommendation.pk), column) == getattr(recommendation, column)

    def test_moving_an_item_into_or_out_of_a_published_edition(self, recommendation, draft_edition):
        draft_item = EditionItem.objects.filter(edition=draft_edition).first()
        with refused():
            sql("UPDATE content_editionitem SET edition_id = %s WHERE id = %s", draft_edition.pk, recommendation.pk)
        with refused():
            sql(
                "UPDATE content_editionitem SET edition_id = %s WHERE id = %s", recommendation.edition_id, draft_item.pk
            )
        assert EditionItem.objects.get(pk=draft_item.pk).edition_id == draft_edition.pk

    def test_a_conditions_value(self, recommendation):
        condition = recommendation.conditions.first()
        with refused():
            sql("UPDATE content_condition SET value = %s WHERE id = %s", "13", condition.pk)
        with refused():
            Condition._base_manager.filter(pk=condition.pk).update(value="13")
        assert Condition.objects.get(pk=condition.pk).value == condition.value

    def test_a_citations_reference(self, recommendation, uncited):
        citation = recommendation.citations.first()
        with refused():
            sql("UPDATE content_citation SET reference_id = %s WHERE id = %s", uncited.pk, citation.pk)
        with refused():
            Citation._base_manager.filter(pk=citation.pk).update(reference=uncited)
        assert Citation.objects.get(pk=citation.pk).reference_id == citation.reference_id

    def test_the_editions_number_note_and_text(self, first_edition):
        with refused():
            sql("UPDATE content_edition SET number = %s WHERE id = %s", 7, first_edition.pk)
        with refused():
            Edition._base_manager.filter(pk=first_edition.pk).update(publication_note="Rewritten")
        with refused():
            EditionText._base_manager.filter(edition=first_edition).update(title="Renamed")
        stored = Edition.objects.get(pk=first_edition.pk)
        assert (stored.number, stored.title) == (first_edition.number, first_edition.title)

    def test_adding_a_condition_or_a_citation(self, recommendation, uncited):
        with refused():
            sql(
                'INSERT INTO content_condition (item_id, question, operator, value, "group", "order") '
                "VALUES (%s, 'site', 'equals', 'hip', '', 9)",
                recommendation.pk,
            )
        with refused():
            Condition._base_manager.bulk_create([Condition(item=recommendation, question="site", operator="equals")])
        with refused():
            sql(
                'INSERT INTO content_citation (item_id, reference_id, "order") VALUES (%s, %s, 9)',
                recommendation.pk,
                uncited.pk,
            )
        with refused():
            Citation._base_manager.bulk_create([Citation(item=recommendation, reference=uncited)])
        assert recommendation.conditions.count() == 2
        assert not recommendation.citations.filter(reference=uncited).exists()

    def test_deleting_a_condition_a_citation_an_item_or_the_edition(self, first_edition, recommendation):
        condition, citation = recommendation.conditions.first(), recommendation.citations.first()
        with refused():
            sql("DELETE FROM content_condition WHERE id = %s", condition.pk)
        with refused():
            Condition._base_manager.filter(pk=condition.pk).delete()
        with refused():
            sql("DELETE FROM content_citation WHERE id = %s", citation.pk)
        with refused():
            Citation._base_manager.filter(pk=citation.pk).delete()
        with refused():
            Recommendation._base_manager.filter(pk=recommendation.pk).delete()
        with refused():
            sql("DELETE FROM content_edition WHERE id = %s", first_edition.pk)
        assert Condition.objects.filter(pk=condition.pk).exists() and Citation.objects.filter(pk=citation.pk).exists()
        assert Recommendation.objects.filter(pk=recommendation.pk).exists()

    def test_a_superseded_edition_stays_frozen(self, first_edition, draft_edition, recommendation):
        publish_without_checks(draft_edition)
        with refused():
            sql(
                "UPDATE content_recommendation SET text = %s WHERE editionitem_ptr_id = %s", "Later.", recommendation.pk
            )


class TestWhatMayStillChange:
    def test_review_status_but_not_with_the_content(self, recommendation):
        sql("UPDATE content_editionitem SET review_status = %s WHERE id = %s", ReviewStatus.APPROVED, recommendation.pk)
        EditionItem._base_manager.filter(pk=recommendation.pk).update(version=7, updated_at=recommendation.updated_at)
        stored = EditionItem.objects.get(pk=recommendation.pk)
        assert (stored.review_status, stored.version) == (ReviewStatus.APPROVED, 7)
        with refused():
            EditionItem._base_manager.filter(pk=recommendation.pk).update(review_status=ReviewStatus.DRAFT, key="x")
        assert EditionItem.objects.get(pk=recommendation.pk).review_status == ReviewStatus.APPROVED

    def test_values_rewritten_unchanged(self, recommendation):
        # Django's save() writes every column: only a changed value counts.
        recommendation.start_review()
        recommendation.save()
        Recommendation._base_manager.filter(pk=recommendation.pk).update(text=recommendation.text)
        assert Recommendation.objects.get(pk=recommendation.pk).review_status == ReviewStatus.UNDER_REVIEW
        with refused():
            Recommendation._base_manager.filter(pk=recommendation.pk).update(text=recommendation.text + " And more.")

    def test_the_editions_revision_but_not_its_number(self, first_edition):
        sql("UPDATE content_edition SET revision = revision + 1 WHERE id = %s", first_edition.pk)
        assert Edition.objects.get(pk=first_edition.pk).revision == first_edition.revision + 1
        with refused():
            sql("UPDATE content_edition SET revision = revision + 1, number = 9 WHERE id = %s", first_edition.pk)

    def test_status_from_published_to_superseded_and_no_further(self, first_edition):
        sql("UPDATE content_edition SET status = %s WHERE id = %s", EditionStatus.SUPERSEDED, first_edition.pk)
        assert Edition.objects.get(pk=first_edition.pk).status == EditionStatus.SUPERSEDED
        for status in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW, EditionStatus.PUBLISHED):
            with refused():
                sql("UPDATE content_edition SET status = %s WHERE id = %s", status, first_edition.pk)
        assert Edition.objects.get(pk=first_edition.pk).status == EditionStatus.SUPERSEDED

    def test_a_published_edition_cannot_return_to_draft(self, first_edition):
        with refused():
            Edition._base_manager.filter(pk=first_edition.pk).update(status=EditionStatus.DRAFT)
        assert Edition.objects.get(pk=first_edition.pk).status == EditionStatus.PUBLISHED

    def test_who_changed_an_item_when_that_account_is_deleted(self, recommendation, author):
        with db_guard.lifted(connection):
            EditionItem._base_manager.filter(pk=recommendation.pk).update(changed_by=author)
        author.delete()  # SET_NULL rewrites changed_by_id on the frozen item
        assert EditionItem.objects.get(pk=recommendation.pk).changed_by_id is None
        with refused():
            sql("UPDATE content_editionitem SET changed_by_id = NULL, key = 'x' WHERE id = %s", recommendation.pk)


class TestDraftContent:
    def test_the_same_writes_are_allowed_until_it_is_published(self, draft_edition):
        recommendation = Recommendation.objects.get(edition=draft_edition)
        reference = Reference.objects.get(edition=draft_edition)
        sql("UPDATE content_recommendation SET text = %s WHERE editionitem_ptr_id = %s", "Other.", recommendation.pk)
        sql('UPDATE content_editionitem SET key = %s, "order" = 5 WHERE id = %s', "rec-b", recommendation.pk)
        Recommendation._base_manager.filter(pk=recommendation.pk).update(text="Again.", order=6)
        sql(
            'INSERT INTO content_condition (item_id, question, operator, value, "group", "order") '
            "VALUES (%s, 'site', 'equals', 'hip', '', 0)",
            recommendation.pk,
        )
        condition = Condition.objects.get(item=recommendation)
        Condition._base_manager.filter(pk=condition.pk).update(value="knee")
        citation = Citation.objects.get(item=recommendation)
        sql('UPDATE content_citation SET "order" = 3 WHERE id = %s', citation.pk)
        sql("UPDATE content_edition SET number = 51, publication_note = 'Draft note' WHERE id = %s", draft_edition.pk)
        sql("DELETE FROM content_citation WHERE id = %s", citation.pk)
        Citation._base_manager.bulk_create([Citation(item=recommendation, reference=reference)])
        stored = Recommendation.objects.get(pk=recommendation.pk)
        assert (stored.text, stored.key, stored.order) == ("Again.", "rec-b", 6)
        assert Condition.objects.get(pk=condition.pk).value == "knee"

        publish_without_checks(Edition.objects.get(pk=draft_edition.pk))
        with refused():
            Condition._base_manager.filter(pk=condition.pk).update(value="hip")
        with refused():
            sql("DELETE FROM content_citation WHERE item_id = %s", recommendation.pk)

    def test_a_draft_edition_may_be_deleted_but_not_once_published(self, draft_edition):
        Edition._base_manager.filter(pk=draft_edition.pk).delete()
        assert not Recommendation.objects.exists()
        edition = edition_import(document=small_edition_document(number=60, title="Published"))
        publish_without_checks(edition)
        with refused():
            Edition._base_manager.filter(pk=edition.pk).delete()


class TestInstalling:
    def test_lifted_removes_the_triggers_for_the_block_only(self, recommendation):
        with db_guard.lifted(connection):
            assert db_guard.installed_tables(connection) == set()
            Recommendation._base_manager.filter(pk=recommendation.pk).update(text="Repaired.")
        assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES
        with refused():
            Recommendation._base_manager.filter(pk=recommendation.pk).update(text="Again.")

    def test_a_failed_block_leaves_the_triggers_in_place(self):
        with pytest.raises(ZeroDivisionError), db_guard.lifted(connection):
            1 / 0  # noqa: B018
        assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES

    def test_migrate_reinstalls_them(self):
        db_guard.uninstall(connection)
        call_command("migrate", verbosity=0)
        assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES

    def test_not_on_a_database_behind_the_models(self):
        # Triggers naming a column the tables lack would break every write to them.
        db_guard.before_migrate(sender=None, using=connection.alias)
        behind = MigrationLoader(connection).project_state(("content", "0002_editorial_roles")).apps
        db_guard.after_migrate(sender=None, using=connection.alias, apps=behind)
        assert db_guard.installed_tables(connection) == set()
        current = MigrationLoader(connection).project_state().apps
        db_guard.after_migrate(sender=None, using=connection.alias, apps=current)
        assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inhibit_post_migrate", [False, True])
def test_flush_empties_a_published_edition_and_keeps_the_triggers(first_edition, inhibit_post_migrate):
    assert get_commands()["flush"] == "bme_wizard.content"
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=inhibit_post_migrate)
    assert not Edition.objects.exists() and not EditionItem.objects.exists()
    assert db_guard.installed_tables(connection) == FROZEN_CONTENT_TABLES
