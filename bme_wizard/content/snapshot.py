"""An edition's content as plain data for the pathway engine.

Built in a fixed number of queries whatever the edition's size, with conditions
compiled and Markdown rendered once. Cached per process by (edition, revision): the
revision moves on with every change to an edition or its items (review status
included), so a cached snapshot is never stale, and a published edition, which no
longer changes, is built once per process.

Items marked for removal are not part of the content. A row that cannot be read (a
condition outside the questions, written to the database behind the application's back)
never breaks a page: its item applies to no one, and the snapshot lists the problem,
which blocks publication until it is mended.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from django.db.models import F

from bme_wizard.pathway.conditions import ConditionError, Match, Rule
from bme_wizard.pathway.plan import EditionSnapshot, EditionTextEntry, PathwayEntry, ReferenceEntry, StatementEntry

from .markdown import render_markdown
from .models import (
    Citation,
    CitationPart,
    Condition,
    Edition,
    EditionText,
    Pathway,
    Pitfall,
    Question,
    Recommendation,
    Reference,
    Section,
    read_vocabulary,
)


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
    questions = list(Question.objects.filter(edition=edition))
    vocabulary, problems = read_vocabulary(questions)
    if not vocabulary:
        problems.append("the edition has no questions")
    conditions = defaultdict(list)
    invalid: set[int] = set()
    for condition in (
        Condition.objects.filter(item__edition=edition, item__is_removed=False)
        .select_related("item")
        .order_by("item_id", "order", "pk")
    ):
        try:
            conditions[condition.item_id].append(condition.as_rule(vocabulary))
        except ConditionError as error:
            invalid.add(condition.item_id)
            problems.append(f"{condition.item.key}: a condition is not valid ({error.field}: {error.message})")
    citations: dict[tuple[int, str], list[int]] = defaultdict(list)
    for item_key, item_id, reference_id, part, reference_removed in (
        Citation.objects.filter(item__edition=edition, item__is_removed=False)
        .order_by("item_id", "part", "order", "pk")
        .values_list("item__key", "item_id", "reference_id", "part", "reference__is_removed")
    ):
        if reference_removed:
            problems.append(f"{item_key}: cites a reference marked for removal")
            continue
        citations[item_id, part].append(reference_id)

    def rule(item) -> Rule:
        if item.pk in invalid:
            return Rule.never()
        return Rule.of(Match(item.match), conditions.get(item.pk, ()))

    def cited(item, part: str = CitationPart.STATEMENT) -> tuple[int, ...]:
        return tuple(citations.get((item.pk, part), ()))

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
            citations=cited(item),
            caution=item.caution,
            caution_html=str(render_markdown(item.caution)),
            caution_citations=cited(item, CitationPart.CAUTION),
            **extra,
        )

    live = {"edition": edition, "is_removed": False}
    pathways = tuple(
        PathwayEntry(
            id=pathway.pk,
            key=pathway.key,
            title=pathway.title,
            summary=pathway.summary,
            summary_html=str(render_markdown(pathway.summary)),
            review_status=pathway.review_status,
            rule=rule(pathway),
            citations=cited(pathway),
        )
        for pathway in Pathway.objects.filter(**live).order_by("order", "key")
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
            tried_text=item.tried_text,
            tried_html=str(render_markdown(item.tried_text)),
        )
        for item in Recommendation.objects.filter(**live)
        .annotate(pathway_key=F("pathway__key"))
        .order_by("pathway__order", "pathway__key", "order", "key")
    )
    pitfalls = tuple(statement(item, "pitfall") for item in Pitfall.objects.filter(**live).order_by("order", "key"))
    references = {
        reference.pk: ReferenceEntry(
            id=reference.pk,
            key=reference.key,
            kind=reference.kind,
            citation=reference.citation_text(),
            is_incomplete=reference.is_incomplete,
            review_status=reference.review_status,
        )
        for reference in Reference.objects.filter(**live)
    }
    text = EditionText.objects.filter(edition=edition).first()
    if text is None:
        problems.append("the edition has no text (title, summary, source note)")
    content_date = text.content_date if text is not None else None
    last_updated = content_date or (edition.published_at.date() if edition.published_at else None)
    return EditionSnapshot(
        id=edition.pk,
        number=edition.number,
        title=text.title if text else "",
        status=edition.status,
        updated_at=edition.updated_at.isoformat(),
        sections=tuple(Section.choices),
        pathways=pathways,
        recommendations=recommendations,
        pitfalls=pitfalls,
        references=references,
        text=EditionTextEntry(
            id=text.pk,
            key=text.key,
            title=text.title,
            summary=text.summary,
            source_note=text.source_note,
            source_note_html=str(render_markdown(text.source_note)),
            review_status=text.review_status,
            content_date=text.content_date.isoformat() if text.content_date else "",
        )
        if text
        else None,
        last_updated=last_updated.isoformat() if last_updated else "",
        publication_note=edition.publication_note,
        publication_note_html=str(render_markdown(edition.publication_note)),
        problems=tuple(problems),
        vocabulary=vocabulary,
        question_ids={question.key: question.pk for question in questions if not question.is_removed},
    )
