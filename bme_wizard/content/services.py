"""Writes to guideline content. Every write that spans several rows runs in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .edition_file import EditionDraft, read_edition
from .models import (
    Citation,
    Condition,
    Edition,
    EditionImmutableError,
    EditionStatus,
    Reference,
    ReviewComment,
    edition_touches_deferred,
)


@transaction.atomic
def edition_publish(*, edition: Edition) -> Edition:
    """Make ``edition`` the current published edition; the previous one becomes superseded."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status not in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW):
        raise EditionImmutableError(
            f"{edition.label} is {edition.get_status_display().lower()}; only a draft can be published."
        )
    current = Edition.objects.select_for_update().filter(status=EditionStatus.PUBLISHED).first()
    if current is not None:
        if current.number > edition.number:
            raise EditionImmutableError(
                f"{edition.label} is older than the current {current.label}; publish a newer edition instead."
            )
        current.status = EditionStatus.SUPERSEDED
        current.save(update_fields=["status", "updated_at"])
    edition.status = EditionStatus.PUBLISHED
    edition.published_at = timezone.now()
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def edition_import(*, document: object, publish: bool = False) -> Edition:
    """Load a whole edition from a parsed edition file (see ``edition_file``).

    Everything is validated before anything is written; the write is one transaction,
    so a file either loads completely or not at all.
    """
    draft = read_edition(document)
    edition = _save_draft(draft)
    if publish:
        edition = edition_publish(edition=edition)
    return edition


def _save_draft(draft: EditionDraft) -> Edition:
    edition = draft.edition
    edition.status = EditionStatus.DRAFT
    edition.save()
    saved = {}
    with edition_touches_deferred():
        for item in draft.items:
            instance = item.instance
            instance.edition = edition
            if item.pathway_key is not None:
                instance.pathway = saved[item.pathway_key]
            instance.save()
            saved[instance.key] = instance
        # Rows that read_edition has already validated, of a draft this transaction has just
        # created: written in bulk (bulk_create still checks the edition is not frozen).
        references = {key: obj for key, obj in saved.items() if isinstance(obj, Reference)}
        Condition.objects.bulk_create(
            Condition(
                item=item.instance,
                question=rule.question,
                operator=rule.operator.value,
                value=rule.value_text,
                group=rule.group,
                order=index,
            )
            for item in draft.items
            for index, rule in enumerate(item.conditions)
        )
        Citation.objects.bulk_create(
            Citation(item=item.instance, reference=references[key], order=index)
            for item in draft.items
            for index, key in enumerate(item.citations)
        )
        ReviewComment.objects.bulk_create(
            ReviewComment(item=item.instance, author_name=comment.get("author_name", ""), body=comment["body"])
            for item in draft.items
            for comment in item.comments
        )
    return edition
