"""Reads of guideline content."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import (
    FROZEN_STATUSES,
    Citation,
    Edition,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewStatus,
)


def edition_current() -> Edition | None:
    """The one published edition clinicians see, or None before any is published."""
    return Edition.objects.filter(status=EditionStatus.PUBLISHED).first()


def _with_rows(queryset):
    return queryset.prefetch_related(
        "conditions",
        Prefetch("citations", queryset=Citation.objects.select_related("reference").order_by("order", "pk")),
    )


def edition_contents(*, edition: Edition) -> dict:
    """Everything an edition holds, in editorial order, with conditions and citations loaded."""
    recommendations = _with_rows(Recommendation.objects.filter(edition=edition).order_by("order", "key"))
    pathways = _with_rows(Pathway.objects.filter(edition=edition).order_by("order", "key")).prefetch_related(
        Prefetch("recommendations", queryset=recommendations)
    )
    pathways = list(pathways)
    pitfalls = list(_with_rows(Pitfall.objects.filter(edition=edition).order_by("order", "key")))
    references = list(Reference.objects.filter(edition=edition).order_by("order", "key"))

    # Number references in order of first citation down the page; each item gets its numbers.
    numbers: dict[int, int] = {}
    statements = [item for pathway in pathways for item in (pathway, *pathway.recommendations.all())] + pitfalls
    for item in statements:
        item.citation_numbers = [
            numbers.setdefault(citation.reference_id, len(numbers) + 1) for citation in item.citations.all()
        ]
    for reference in references:
        reference.number = numbers.get(reference.pk)
    references.sort(key=lambda ref: (ref.number is None, ref.number or 0, ref.order))
    review_statuses = {item.review_status for item in (*statements, *references)}
    return {
        "edition": edition,
        "pathways": pathways,
        "pitfalls": pitfalls,
        "references": references,
        "all_approved": review_statuses == {ReviewStatus.APPROVED},
    }


def edition_for_clinicians(*, number: int | None = None) -> Edition | None:
    """The current edition, or a named published or superseded one (drafts are for staff only)."""
    if number is None:
        return edition_current()
    return Edition.objects.filter(number=number, status__in=FROZEN_STATUSES).first()
