"""Reads of guideline content: what clinicians are shown, and what the board needs to decide."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from bme_wizard.pathway.compare import EditionDiff, FieldChange, compare_editions, word_diff
from bme_wizard.pathway.scenarios import ScenarioOutcome, ScenarioSpec, run_scenarios
from bme_wizard.pathway.vocabulary import Vocabulary

from .models import (
    BLOCKING_COMMENT_KINDS,
    CONCRETE_KINDS,
    FROZEN_STATUSES,
    LABELS,
    SCENARIO_CONTENT,
    Edition,
    EditionItem,
    EditionStatus,
    ReviewComment,
    ReviewStatus,
    Scenario,
)
from .models.history import condition_line
from .models.items import describe_value, edition_or_current, edition_vocabulary
from .models.rows import Citation, Condition
from .snapshot import edition_snapshot

# Display labels of stored choices, for comparisons (the pathway package does not know them).
CHOICE_LABELS = LABELS  # the one definition, in models.choices


def edition_current() -> Edition | None:
    """The one published edition clinicians see, or None before any is published."""
    return Edition.objects.current()


def edition_for_clinicians(*, number: int | None = None) -> Edition | None:
    """The current edition, or a named published or superseded one (drafts are for staff only)."""
    if number is None:
        return edition_current()
    return Edition.objects.filter(number=number, status__in=FROZEN_STATUSES).first()


# ---------------------------------------------------------------------------------------
# Scenarios: the approved versions gate; a published edition keeps those it passed
# ---------------------------------------------------------------------------------------


def scenario_spec(spec: ScenarioSpec) -> dict[str, Any]:
    """A scenario as stored with a published edition (plain JSON)."""
    return {
        "key": spec.key,
        "title": spec.title,
        "answers": dict(spec.answers),
        "must_show": list(spec.must_show),
        "must_not_show": list(spec.must_not_show),
    }


def _spec(key: str, data: Mapping[str, Any]) -> ScenarioSpec:
    return ScenarioSpec(key, data["title"], data["answers"], tuple(data["must_show"]), tuple(data["must_not_show"]))


def approved_scenario_specs() -> list[ScenarioSpec]:
    """Every scenario as last approved and switched on then: what gates a publication now."""
    return [
        _spec(scenario.key, scenario.approved_content)
        for scenario in Scenario.objects.filter(approved_content__isnull=False)
        if scenario.approved_content.get("is_active", True)
    ]


def scenario_specs_for(*, edition: Edition) -> list[ScenarioSpec]:
    """The scenarios that judge ``edition``: those it passed when published, or for a draft the approved ones."""
    if edition.is_frozen:
        return [_spec(data["key"], data) for data in edition.publication_scenarios]
    return approved_scenario_specs()


def scenario_results(*, edition: Edition, specs: Sequence[ScenarioSpec] | None = None) -> list[ScenarioOutcome]:
    """The scenarios that judge ``edition`` (or ``specs``), run against it as it is now."""
    fresh = Edition.objects.only("pk", "revision", "created_at").get(pk=edition.pk)
    return run_scenarios(scenario_specs_for(edition=edition) if specs is None else specs, edition_snapshot(fresh))


@dataclass(frozen=True)
class ScenarioWords:
    """Scenarios as an editor reads and writes them: answers in the words of the questions of the newest
    edition (the one being prepared, which scenarios are written against), items named by their text."""

    edition: Edition | None
    vocabulary: Vocabulary
    # The pathways with their statements, then the pitfalls: (group label, ((key, label), ...)), in plan order.
    item_groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    # Items of the edition marked for removal, by key: no longer offered, still named.
    removed: Mapping[str, str] = field(default_factory=dict)

    def item_label(self, key: str) -> str:
        for _group, choices in self.item_groups:
            for choice, label in choices:
                if choice == key:
                    return label
        if key in self.removed:
            return self.removed[key]
        where = f"edition {self.edition.number}" if self.edition is not None else "any edition"
        return f"{key} (not in {where})"

    def items_text(self, keys: Iterable[str] | None) -> str:
        return "; ".join(self.item_label(key) for key in keys or ()) or "none"

    def answers_by_step(self, answers: Mapping[str, Any] | None) -> list[tuple[str, list[tuple[str, str]]]]:
        """The answers grouped by step, each as (question label, answer in words), in the order asked;
        an answer to a question the edition does not ask is listed by its key, last."""
        answers = answers or {}
        groups = []
        for number, step in enumerate(self.vocabulary.steps, start=1):
            lines = [
                (question.label, question.describe_answer(answers[question.key]))
                for question in self.vocabulary.for_step(step.key)
                if question.key in answers
            ]
            if lines:
                groups.append((f"Step {number}: {step.title}", lines))
        unknown = [(key, str(value)) for key, value in answers.items() if key not in self.vocabulary]
        if unknown:
            groups.append(("Not asked by this edition", unknown))
        return groups

    def answers_text(self, answers: Mapping[str, Any] | None) -> str:
        lines = [
            f"{label.rstrip('?')}: {words}" for _step, rows in self.answers_by_step(answers) for label, words in rows
        ]
        return "; ".join(lines) or "none"

    def field_text(self, name: str, value: Any) -> str | None:
        """A scenario's field in words, for the fields that are stored as codes (None for the others)."""
        if name == "answers":
            return self.answers_text(value)
        if name in {"must_show", "must_not_show"}:
            return self.items_text(value)
        return None


def scenario_reading(scenario: Scenario, words: ScenarioWords | None = None) -> dict[str, Any]:
    """A scenario as a reviewer reads it: its answers by step, what the plan must and must not show by text."""
    words = words or scenario_words()
    return {
        "answers": words.answers_by_step(scenario.answers),
        "must_show": [words.item_label(key) for key in scenario.must_show or ()],
        "must_not_show": [words.item_label(key) for key in scenario.must_not_show or ()],
    }


def _excerpt(markdown_text: str) -> str:
    from django.utils.html import strip_tags
    from django.utils.text import Truncator

    from .markdown import render_markdown

    return Truncator(" ".join(strip_tags(render_markdown(markdown_text)).split())).chars(160)


def scenario_words() -> ScenarioWords:
    """How scenarios read against the newest edition (three queries for its items, its questions cached)."""
    from .models import Pathway, Pitfall, Recommendation

    edition = Edition.objects.order_by("-number").first()
    if edition is None:
        return ScenarioWords(None, edition_vocabulary(None), ())
    removed: dict[str, str] = {}

    def labelled(item, text: str) -> tuple[str, str] | None:
        label = f"{text} ({item.key})"
        if item.is_removed:  # offered no more, but still read by name while a scenario names it
            removed[item.key] = f"{label}, marked for removal"
            return None
        return item.key, label

    statements: dict[int, list[tuple[str, str]]] = {}
    for recommendation in Recommendation.objects.filter(edition=edition).order_by("order", "key"):
        section = LABELS["section"].get(recommendation.section, recommendation.section)
        if choice := labelled(recommendation, f"{section}: {_excerpt(recommendation.text)}"):
            statements.setdefault(recommendation.pathway_id, []).append(choice)
    groups = []
    for pathway in Pathway.objects.filter(edition=edition).order_by("order", "key"):
        if choice := labelled(pathway, f"The pathway itself: {pathway.title}"):
            groups.append((f"Pathway: {pathway.title}", (choice, *statements.get(pathway.pk, ()))))
    pitfalls = tuple(
        choice
        for pitfall in Pitfall.objects.filter(edition=edition).order_by("order", "key")
        if (choice := labelled(pitfall, _excerpt(pitfall.text)))
    )
    if pitfalls:
        groups.append(("Pitfalls", pitfalls))
    return ScenarioWords(edition, edition_vocabulary(edition.pk), tuple(groups), removed)


@dataclass(frozen=True)
class ScenarioChange:
    """A scenario whose current version is not (yet) the approved one, and how it differs."""

    scenario: Scenario
    is_new: bool
    fields: tuple[FieldChange, ...]
    outcome: ScenarioOutcome | None  # the proposed version run against the edition, for information


def scenario_changes(*, edition: Edition | None = None) -> list[ScenarioChange]:
    """Scenario changes awaiting review: they do not gate publication until approved."""
    snapshot = edition_snapshot(edition) if edition is not None else None
    changes = []
    pending = list(Scenario.objects.exclude(review_status=ReviewStatus.APPROVED).select_related("changed_by"))
    words = scenario_words() if pending else None
    for scenario in pending:
        old = scenario.approved_content or {}
        new = scenario.review_content()
        fields = tuple(
            change
            for name in SCENARIO_CONTENT
            if (change := _field_change(Scenario, name, old.get(name), new[name], words=words)) is not None
        )
        outcome = None
        if snapshot is not None and scenario.is_active:
            spec = ScenarioSpec(
                scenario.key, scenario.title, scenario.answers, tuple(scenario.must_show), tuple(scenario.must_not_show)
            )
            outcome = run_scenarios([spec], snapshot)[0]
        changes.append(ScenarioChange(scenario, scenario.approved_content is None, fields, outcome))
    return changes


# ---------------------------------------------------------------------------------------
# Publishing: the base, the review, the scenarios
# ---------------------------------------------------------------------------------------


def items_not_approved(*, edition: Edition):
    return (
        EditionItem.objects.filter(edition=edition)
        .exclude(review_status=ReviewStatus.APPROVED)
        .order_by("review_status", "order", "key")
    )


def removed_items(*, edition: Edition):
    """Items marked for removal from ``edition`` (reviewed like edits; listed before publishing)."""
    return EditionItem.objects.filter(edition=edition, is_removed=True).select_related(*EditionItem.KINDS)


@dataclass(frozen=True)
class BaseStatus:
    base: Edition | None
    current: Edition | None

    @property
    def moved(self) -> bool:
        """The draft was started from an edition that is no longer the current one."""
        return self.current is not None and (self.base is None or self.base.pk != self.current.pk)


def edition_base_status(*, edition: Edition) -> BaseStatus:
    return BaseStatus(edition.base, edition_current())


def edition_base_changes(*, edition: Edition) -> EditionDiff | None:
    """What the current edition changed since this draft's base: what publishing the draft would undo."""
    status = edition_base_status(edition=edition)
    if edition.is_frozen or not status.moved or status.current is None:
        return None
    if status.base is None:
        return None
    return edition_diff(old=status.base, new=status.current)


def edition_publish_blockers(
    *,
    edition: Edition,
    scenarios_only: bool = False,
    results: list[ScenarioOutcome] | None = None,
    specs: Sequence[ScenarioSpec] | None = None,
) -> list[str]:
    """Why ``edition`` cannot be published yet, one line each; empty when it can.

    ``results``: the scenarios already run against the edition, when the caller has them;
    ``specs``: the scenarios to run instead of the approved ones."""
    problems = []
    status = edition_base_status(edition=edition)
    if status.moved:
        started = f"was started from {status.base.label}" if status.base else "was not started from it"
        problems.append(
            f"{edition.label} {started}, but {status.current.label} is now current: publishing it would undo "
            f"what {status.current.label} changed. Rebase it first."
        )
    snapshot = edition_snapshot(edition)
    problems += [f"Not valid: {problem}" for problem in snapshot.problems]
    if not scenarios_only:
        pending = list(items_not_approved(edition=edition).values_list("key", "review_status", "is_removed"))
        if pending:
            labels = LABELS["review_status"]
            listed = ", ".join(
                f"{key} ({'removal, ' if removed else ''}{labels[status].lower()})"
                for key, status, removed in pending[:10]
            )
            more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            problems.append(f"{len(pending)} item(s) not approved: {listed}{more}.")
        notes = list(
            ReviewComment.objects.filter(item__edition=edition, is_open=True, kind__in=BLOCKING_COMMENT_KINDS)
            .values_list("item__key", flat=True)
            .distinct()
        )
        if notes:
            problems.append(f"Open evidence notes to resolve on: {', '.join(sorted(notes))}.")
    if results is None:
        results = scenario_results(edition=edition, specs=specs)
    for outcome in results:
        if not outcome.passed:
            problems.append(f"Scenario “{outcome.spec.title}” fails: {'; '.join(outcome.problems())}.")
    return problems


def edition_compared_by_default(*, edition: Edition) -> Edition | None:
    """The edition a diff of ``edition`` starts from: the current one, or else the one numbered before it."""
    current = edition_current()
    if current is not None and current.pk != edition.pk:
        return current
    return Edition.objects.filter(number__lt=edition.number).order_by("-number").first()


def edition_diff(*, old: Edition, new: Edition) -> EditionDiff:
    """What ``new`` adds, removes and changes relative to ``old`` (from the cached snapshots)."""
    return compare_editions(edition_snapshot(old), edition_snapshot(new), labels=CHOICE_LABELS)


# ---------------------------------------------------------------------------------------
# Rebase: three-way, item by item (matched by key)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebaseConflict:
    """An item the current edition and this draft both changed since the draft's base."""

    key: str
    kind: str
    theirs: EditionItem | None  # None: the current edition removed it
    mine: EditionItem | None  # None (or marked removed): this draft removed it
    theirs_changes: tuple[FieldChange, ...]
    mine_changes: tuple[FieldChange, ...]


@dataclass
class RebasePlan:
    edition: Edition
    base: Edition | None
    current: Edition | None
    taken: list[str] = field(default_factory=list)  # keys to take from the current edition as reviewed there
    conflicts: list[RebaseConflict] = field(default_factory=list)
    current_items: dict[str, EditionItem] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)  # the order the changes apply in

    @property
    def up_to_date(self) -> bool:
        return self.current is None or (self.base is not None and self.base.pk == self.current.pk)


def _items_by_key(edition: Edition | None, *, live_only: bool = True) -> dict[str, EditionItem]:
    if edition is None:
        return {}
    items = EditionItem.objects.filter(edition=edition).select_related(*EditionItem.KINDS, "recommendation__pathway")
    if live_only:
        items = items.filter(is_removed=False)
    rows = _prefetched(items)
    return {item.key: item for item in rows}


def _prefetched(items) -> list[EditionItem]:
    concrete = [item.as_concrete() for item in items]
    conditions: dict[int, list] = {}
    for row in Condition.objects.filter(item__in=[i.pk for i in concrete]).order_by("item_id", "order", "pk"):
        conditions.setdefault(row.item_id, []).append(row.as_data())
    citations: dict[int, list] = {}
    for row in (
        Citation.objects.filter(item__in=[i.pk for i in concrete])
        .select_related("reference")
        .order_by("item_id", "part", "order", "pk")
    ):
        citations.setdefault(row.item_id, []).append(row.as_data())
    for item in concrete:
        item.condition_rows = lambda item=item: conditions.get(item.pk, [])  # type: ignore[method-assign]
        item.citation_rows = lambda item=item: citations.get(item.pk, [])  # type: ignore[method-assign]
    return concrete


def _content(item: EditionItem | None) -> dict[str, Any] | None:
    if item is None or item.is_removed:
        return None
    content = item.review_content()
    content.pop("removed", None)
    return content


def rebase_plan(*, edition: Edition) -> RebasePlan:
    """What a rebase of ``edition`` onto the current edition would take and what it needs decided."""
    status = edition_base_status(edition=edition)
    plan = RebasePlan(edition, status.base, status.current)
    if plan.up_to_date:
        return plan
    base, theirs = _items_by_key(status.base), _items_by_key(status.current)
    mine = _items_by_key(edition, live_only=False)
    plan.current_items = theirs
    order = {kind: index for index, kind in enumerate(CONCRETE_KINDS)}

    def rank(key: str) -> tuple[int, str]:
        item = theirs.get(key) or mine.get(key) or base.get(key)
        return (order.get(type(item), 99), key)

    def conflict(key: str) -> RebaseConflict:
        b, c, d = _content(base.get(key)), _content(theirs.get(key)), _content(mine.get(key))
        item = theirs.get(key) or mine.get(key)
        vocabulary = edition_vocabulary(item.edition_id) if item is not None else None
        return RebaseConflict(
            key=key,
            kind=item._meta.verbose_name if item is not None else "item",
            theirs=theirs.get(key),
            mine=mine.get(key),
            theirs_changes=content_changes(type(item), b, c, vocabulary=vocabulary),
            mine_changes=content_changes(type(item), b, d, vocabulary=vocabulary),
        )

    keys = sorted(set(base) | set(theirs) | set(mine), key=rank)
    plan.position = {key: index for index, key in enumerate(keys)}
    for key in keys:
        b, c, d = _content(base.get(key)), _content(theirs.get(key)), _content(mine.get(key))
        if c == b or d == c:
            continue
        if d == b:
            plan.taken.append(key)
        else:
            plan.conflicts.append(conflict(key))
    # A removal by the newer edition of something this draft still uses (a statement it added under a
    # pathway, a citation it kept) is not taken silently: the editor decides.
    kept = {key for key in mine if key not in plan.taken}
    for key in [key for key in plan.taken if key not in theirs]:
        if any(_uses(mine[other], key) for other in kept if other != key):
            plan.taken.remove(key)
            plan.conflicts.append(conflict(key))
    plan.conflicts.sort(key=lambda c: plan.position[c.key])
    return plan


def _uses(item: EditionItem, key: str) -> bool:
    """Whether ``item`` (of a draft) depends on the item ``key``: its pathway, or a reference it cites."""
    content = item.review_content()
    return content.get("pathway") == key or any(row["reference"] == key for row in content.get("citations", ()))


# ---------------------------------------------------------------------------------------
# What changed since an approval: field by field, in an editor's words
# ---------------------------------------------------------------------------------------


def _field_change(
    model,
    name: str,
    old: Any,
    new: Any,
    vocabulary: Vocabulary | None = None,
    words: ScenarioWords | None = None,
) -> FieldChange | None:
    if old == new:
        return None
    if model is Scenario and name in {"answers", "must_show", "must_not_show"}:
        words = words or scenario_words()
        old_text, new_text = words.field_text(name, old) or "", words.field_text(name, new) or ""
        return FieldChange(_label(model, name), old_text, new_text, word_diff(old_text, new_text))
    label = _label(model, name)
    if name == "conditions":
        old_text, new_text = _conditions_text(old, vocabulary), _conditions_text(new, vocabulary)
    elif name == "citations":
        old_text, new_text = _citations_text(old), _citations_text(new)
    elif name == "removed":
        old_text, new_text = ("removed" if old else "in the edition"), ("removed" if new else "in the edition")
    else:
        old_text, new_text = _plain(model, name, old, vocabulary), _plain(model, name, new, vocabulary)
    return FieldChange(label, old_text, new_text, word_diff(old_text, new_text))


def _label(model, name: str) -> str:
    special = {
        "conditions": "Applies when",
        "citations": "Citations",
        "removed": "Removal",
        "match": "Conditions combine",
    }
    if name in special:
        return special[name]
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:
        return name.replace("_", " ").capitalize()


def _plain(model, name: str, value: Any, vocabulary: Vocabulary | None) -> str:
    if isinstance(value, (dict, list)) and name not in {"treatments"}:
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if name == "match":
        return "all must hold" if value == "all" else "any may hold"
    return describe_value(model, name, value, vocabulary)


def _conditions_text(rows: Iterable[Mapping[str, Any]] | None, vocabulary: Vocabulary | None) -> str:
    if vocabulary is None:
        vocabulary = edition_vocabulary(edition_or_current(None))
    return "; ".join(condition_line(Condition(**row), vocabulary) for row in rows or ()) or "always"


def _citations_text(rows: Iterable[Mapping[str, str]] | None) -> str:
    return (
        ", ".join(row["reference"] + (" (caution)" if row.get("part") == "caution" else "") for row in rows or ())
        or "none"
    )


def content_changes(
    model, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, vocabulary: Vocabulary | None = None
) -> tuple[FieldChange, ...]:
    """Field-by-field differences of two ``review_content`` dicts (None: the item is absent), in the words of
    ``vocabulary`` (the questions of the item's edition; the current edition's unless given)."""
    if old is None and new is None:
        return ()
    if old is None or new is None:
        state = "added" if old is None else "removed"
        return (FieldChange("Item", "" if old is None else state, state if old is None else "", ()),)
    names = list(dict.fromkeys([*old, *new]))
    words = scenario_words() if model is Scenario else None
    return tuple(
        change
        for name in names
        if (change := _field_change(model, name, old.get(name), new.get(name), vocabulary, words)) is not None
    )


def changes_since_approval(item) -> tuple[FieldChange, ...] | None:
    """What changed in ``item`` since its last approval; None if it was never approved."""
    if item.approved_content is None:
        return None
    vocabulary = edition_vocabulary(item.edition_id) if isinstance(item, EditionItem) else None
    return content_changes(type(item), item.approved_content, item.review_content(), vocabulary=vocabulary)


# ---------------------------------------------------------------------------------------
# The work queue on the admin's home page
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkQueue:
    to_review: list[EditionItem]  # submitted or under review, not changed by this person
    changes_requested: list[EditionItem]  # this person's items sent back to them
    open_notes: list[ReviewComment]  # open evidence notes on drafts and the current edition
    stale_drafts: list[Edition]  # drafts whose base is no longer current
    scenarios_to_review: list[Scenario]

    @property
    def is_empty(self) -> bool:
        return not (
            self.to_review or self.changes_requested or self.open_notes or self.stale_drafts or self.scenarios_to_review
        )


WORK_QUEUE_LIMIT = 50


def work_queue(*, user) -> WorkQueue:
    """What awaits ``user``: items to review (for reviewers), their items with changes requested, open
    evidence notes, and drafts whose base has moved."""
    open_editions = Q(edition__status__in=[EditionStatus.DRAFT, EditionStatus.IN_REVIEW]) | Q(
        edition__status=EditionStatus.PUBLISHED
    )
    to_review, scenarios = [], []
    if user.has_perm("content.review_item"):
        to_review = list(
            EditionItem.objects.filter(open_editions)
            .filter(review_status__in=[ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW])
            .exclude(contributors=user)
            .select_related("edition", *EditionItem.KINDS)
            .order_by("edition__number", "review_status", "order")[:WORK_QUEUE_LIMIT]
        )
        scenarios = list(
            Scenario.objects.filter(review_status__in=[ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW]).exclude(
                contributors=user
            )[:WORK_QUEUE_LIMIT]
        )
    changes_requested = list(
        EditionItem.objects.filter(open_editions, review_status=ReviewStatus.CHANGES_REQUESTED)
        .filter(Q(contributors=user) | Q(changed_by=user))
        .distinct()
        .select_related("edition", *EditionItem.KINDS)[:WORK_QUEUE_LIMIT]
    )
    open_notes = list(
        ReviewComment.objects.filter(is_open=True, kind__in=BLOCKING_COMMENT_KINDS)
        .filter(Q(item__edition__status__in=[EditionStatus.DRAFT, EditionStatus.PUBLISHED]) | Q(scenario__isnull=False))
        .select_related("item__edition", *(f"item__{kind}" for kind in EditionItem.KINDS), "scenario", "author")
        .order_by("item__edition__number", "created_at")[:WORK_QUEUE_LIMIT]
    )
    current = edition_current()
    stale = (
        list(Edition.objects.filter(status=EditionStatus.DRAFT).exclude(base=current)) if current is not None else []
    )
    return WorkQueue(to_review, changes_requested, open_notes, stale, scenarios)
