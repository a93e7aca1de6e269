"""An edition's content as plain data for the pathway engine.

Built in a fixed number of queries whatever the edition's size, with conditions
compiled and Markdown rendered once. Cached per process by (edition, revision): the
revision moves on with every change to an edition or its items (review status
included), so a cached snapshot is never stale, and a published edition, which no
longer changes, is built once per process.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from django.db.models import F

from bme_wizard.pathway.conditions import Match, Rule
from bme_wizard.pathway.plan import EditionSnapshot, PathwayEntry, ReferenceEntry, StatementEntry

from .markdown import render_markdown
from .models import Citation, Condition, Edition, Pathway, Pitfall, Recommendation, Reference, Section


def edition_snapshot(edition: Edition) -> EditionSnapshot:
    """The snapshot of ``edition`` as it is now (cached while its revision stands)."""
    return _snapshot(edition.pk, edition.revision, edition.created_at)


@lru_cache(maxsize=16)
def _snapshot(edition_id: int, revision: int, created_at) -> EditionSnapshot:
    # created_at is part of the key only so that a reused primary key (as in tests) never
    # finds another edition's snapshot.
    return build_snapshot(Edition.objects.get(pk=edition_id))


def clear_snapshot_cache() -> None:
    _snapshot.cache_clear()


def build_snapshot(edition: Edition) -> EditionSnapshot:
    conditions = defaultdict(list)
    for condition in Condition.objects.filter(item__edition=edition).order_by("item_id", "order", "pk"):
        conditions[condition.item_id].append(condition.as_rule())
    citations = defaultdict(list)
    for item_id, reference_id in (
        Citation.objects.filter(item__edition=edition)
        .order_by("item_id", "order", "pk")
        .values_list("item_id", "reference_id")
    ):
        citations[item_id].append(reference_id)

    def rule(item) -> Rule:
        return Rule.of(Match(item.match), conditions.get(item.pk, ()))

    def statement(item, kind: str, **extra) -> StatementEntry:
        return StatementEntry(
            id=item.pk,
            key=item.key,
            kind=kind,
            text=item.text,
            text_html=str(render_markdown(item.text)),
            plain_text=item.plain_text,
            plain_html=str(render_markdown(item.plain_text)),
            review_status=item.review_status,
            rule=rule(item),
            citations=tuple(citations.get(item.pk, ())),
            **extra,
        )

    pathways = tuple(
        PathwayEntry(
            id=pathway.pk,
            key=pathway.key,
            title=pathway.title,
            summary=pathway.summary,
            summary_html=str(render_markdown(pathway.summary)),
            review_status=pathway.review_status,
            rule=rule(pathway),
            citations=tuple(citations.get(pathway.pk, ())),
        )
        for pathway in Pathway.objects.filter(edition=edition).order_by("order", "key")
    )
    recommendations = tuple(
        statement(
            item,
            "recommendation",
            pathway_key=item.pathway_key,
            section=item.section,
            strength=item.strength,
            certainty=item.certainty,
            treatments=tuple(item.treatments or ()),
        )
        for item in Recommendation.objects.filter(edition=edition)
        .annotate(pathway_key=F("pathway__key"))
        .order_by("pathway__order", "pathway__key", "order", "key")
    )
    pitfalls = tuple(
        statement(item, "pitfall") for item in Pitfall.objects.filter(edition=edition).order_by("order", "key")
    )
    references = {
        reference.pk: ReferenceEntry(
            id=reference.pk,
            key=reference.key,
            kind=reference.kind,
            citation=reference.citation_text(),
            is_incomplete=reference.is_incomplete,
            review_status=reference.review_status,
        )
        for reference in Reference.objects.filter(edition=edition)
    }
    return EditionSnapshot(
        id=edition.pk,
        number=edition.number,
        title=edition.title,
        status=edition.status,
        updated_at=edition.updated_at.isoformat(),
        sections=tuple(Section.choices),
        pathways=pathways,
        recommendations=recommendations,
        pitfalls=pitfalls,
        references=references,
    )
