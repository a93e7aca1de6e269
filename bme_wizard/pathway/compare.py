"""What changed: between two editions, and for one patient between two plans.

Items are matched across editions by their stable ``key``. An edition diff lists, for
pathways, recommendations, pitfalls and references, what was added, removed and
changed, and counts what was not. A change names each field that differs, with a
word-level diff of text (difflib) so a reviewer sees the exact words that moved.

A plan comparison asks the clinician's question instead: for these answers, which
statements does the newer plan add, drop or word differently?

Review status and editorial order are not content: a new edition starts its items'
review afresh, and listing every item as changed for that would hide the real changes.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .answers import AnswersError, clean_answers, is_asked
from .plan import EditionSnapshot, EditionTextEntry, PathwayEntry, Plan, Planned, ReferenceEntry, StatementEntry
from .vocabulary import KIND_LABELS, QUESTIONS, Kind, Question, Vocabulary

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"

# Words, runs of white space, and single punctuation marks: a diff never splits a word.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Chunk:
    """A run of text that is in both versions (equal), only the new (insert) or only the old (delete)."""

    op: str
    text: str


def word_diff(old: str, new: str) -> tuple[Chunk, ...]:
    """The word-level difference of two texts; joining the equal and delete chunks gives ``old``,
    the equal and insert chunks give ``new``."""
    return _diff_tokens(_TOKENS.findall(old), _TOKENS.findall(new))


def list_diff(old: Sequence[str], new: Sequence[str]) -> tuple[Chunk, ...]:
    """The difference of two lists of names (citations, treatments), name by name, comma separated."""
    marked: list[Chunk] = []
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            marked += [Chunk(EQUAL, name) for name in old[i1:i2]]
        else:
            marked += [Chunk(DELETE, name) for name in old[i1:i2]]
            marked += [Chunk(INSERT, name) for name in new[j1:j2]]
    chunks: list[Chunk] = []
    for index, chunk in enumerate(marked):
        if index:
            chunks.append(Chunk(EQUAL, ", "))
        chunks.append(chunk)
    return tuple(chunks)


def _diff_tokens(old: list[str], new: list[str]) -> tuple[Chunk, ...]:
    chunks: list[Chunk] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if chunks and chunks[-1].op == op:
            chunks[-1] = Chunk(op, chunks[-1].text + text)
        else:
            chunks.append(Chunk(op, text))

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, "".join(old[i1:i2]))
        else:  # replace, delete, insert: the old words go out, the new come in
            add(DELETE, "".join(old[i1:i2]))
            add(INSERT, "".join(new[j1:j2]))
    return tuple(chunks)


@dataclass(frozen=True)
class FieldChange:
    """One field of an item that differs between the editions, old and new as shown to editors."""

    name: str
    old: str
    new: str
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class ItemChange:
    """An item added, removed or changed; ``old``/``new`` are None for an added/removed item."""

    kind: str  # editiontext, question, pathway, recommendation, pitfall, reference
    key: str
    change: str  # added, removed, changed
    title: str  # a short name for the item (a pathway's title, a statement's text)
    old: Any = None
    new: Any = None
    fields: tuple[FieldChange, ...] = ()
    item_id: int | None = None  # the item in its edition (the newer one's, unless removed there)
    applies_when: str = ""  # when an added pathway or statement applies, in its edition's words


@dataclass(frozen=True)
class KindDiff:
    kind: str  # editiontext, pathway, recommendation, pitfall, reference
    label: str  # plural, for headings
    added: tuple[ItemChange, ...]
    removed: tuple[ItemChange, ...]
    changed: tuple[ItemChange, ...]
    unchanged: int

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class EditionDiff:
    old: EditionSnapshot
    new: EditionSnapshot
    kinds: tuple[KindDiff, ...]

    @property
    def is_empty(self) -> bool:
        return all(kind.is_empty for kind in self.kinds)

    def kind(self, name: str) -> KindDiff:
        return next(kind for kind in self.kinds if kind.kind == name)


# ---------------------------------------------------------------------------------------
# Fields compared, per kind of item
# ---------------------------------------------------------------------------------------

# Display labels of stored grades, e.g. {"strength": {"strong": "Strong"}}: the content app's
# choices, passed in (this module does not know them); a value without a label shows as stored.
Labels = Mapping[str, Mapping[str, str]]


class _Context:
    """What an edition knows that its entries refer to by id or key: references, pathways, sections."""

    def __init__(self, snapshot: EditionSnapshot, labels: Labels | None = None):
        self.reference_keys = {ref_id: ref.key for ref_id, ref in snapshot.references.items()}
        self.pathway_titles = {pathway.key: pathway.title for pathway in snapshot.pathways}
        self.section_labels = dict(snapshot.sections)
        self.labels = labels or {}
        self.vocabulary = snapshot.vocabulary
        self.question_ids = snapshot.question_ids
        self.treatment_labels = {choice.value: choice.label for choice in snapshot.vocabulary.treatments}

    def item_id(self, entry: Any) -> int | None:
        """The database id of an entry of this edition (a question's, from the snapshot's index)."""
        if isinstance(entry, Question):
            return self.question_ids.get(entry.key)
        return getattr(entry, "id", None)

    def step_title(self, key: str) -> str:
        return next((step.title for step in self.vocabulary.steps if step.key == key), key)

    def label(self, kind: str, value: str | None) -> str:
        return self.labels.get(kind, {}).get(value or "", value or "")

    def citations(self, entry: PathwayEntry | StatementEntry, *, caution: bool = False) -> tuple[str, ...]:
        ref_ids = entry.caution_citations if caution and isinstance(entry, StatementEntry) else entry.citations
        return tuple(self.reference_keys.get(ref_id, str(ref_id)) for ref_id in ref_ids)


def _text(name: str, old: str, new: str) -> FieldChange | None:
    return None if old == new else FieldChange(name, old, new, word_diff(old, new))


def _value(name: str, old: str, new: str) -> FieldChange | None:
    """A short value (a grade, a section): shown whole, "old → new" with old struck out and new inserted."""
    if old == new:
        return None
    if not old or not new:
        return FieldChange(name, old, new, (Chunk(INSERT, new),) if new else (Chunk(DELETE, old),))
    return FieldChange(name, old, new, (Chunk(DELETE, old), Chunk(EQUAL, " → "), Chunk(INSERT, new)))


def _names(name: str, old: Sequence[str], new: Sequence[str]) -> FieldChange | None:
    if tuple(old) == tuple(new):
        return None
    return FieldChange(name, ", ".join(old), ", ".join(new), list_diff(old, new))


def _rule(
    old: PathwayEntry | StatementEntry, new: PathwayEntry | StatementEntry, was: _Context, now: _Context
) -> FieldChange | None:
    if old.rule == new.rule:
        return None
    before, after = old.rule.describe(was.vocabulary), new.rule.describe(now.vocabulary)
    return FieldChange("Applies when", before, after, word_diff(before, after))


def _text_fields(
    old: EditionTextEntry, new: EditionTextEntry, was: _Context, now: _Context
) -> list[FieldChange | None]:
    return [
        _text("Title", old.title, new.title),
        _text("Summary", old.summary, new.summary),
        _text("Source note", old.source_note, new.source_note),
        _value("Content last updated at its source", old.content_date, new.content_date),
    ]


def _pathway_fields(old: PathwayEntry, new: PathwayEntry, was: _Context, now: _Context) -> list[FieldChange | None]:
    return [
        _text("Title", old.title, new.title),
        _text("Summary", old.summary, new.summary),
        _rule(old, new, was, now),
        _names("Citations", was.citations(old), now.citations(new)),
    ]


def _grading_fields(old: StatementEntry, new: StatementEntry, was: _Context, now: _Context) -> list[FieldChange | None]:
    """A recommendation's section, strength and certainty, where they changed."""
    return [
        _value(
            "Section",
            was.section_labels.get(old.section or "", old.section or ""),
            now.section_labels.get(new.section or "", new.section or ""),
        )
        if old.section != new.section
        else None,
        _value("Strength", was.label("strength", old.strength), now.label("strength", new.strength)),
        _value("Certainty of evidence", was.label("certainty", old.certainty), now.label("certainty", new.certainty)),
    ]


def _statement_fields(
    old: StatementEntry, new: StatementEntry, was: _Context, now: _Context
) -> list[FieldChange | None]:
    fields = [_text("Text", old.text, new.text), _text("Plain-language text", old.plain_text, new.plain_text)]
    if new.kind == "recommendation":
        fields += [
            _value(
                "Pathway",
                was.pathway_titles.get(old.pathway_key or "", old.pathway_key or ""),
                now.pathway_titles.get(new.pathway_key or "", new.pathway_key or ""),
            )
            if old.pathway_key != new.pathway_key
            else None,
            *_grading_fields(old, new, was, now),
            _names(
                "Treatments",
                [was.treatment_labels.get(t, t) for t in old.treatments],
                [now.treatment_labels.get(t, t) for t in new.treatments],
            ),
        ]
    if new.kind == "recommendation":
        fields.append(_text("Text once tried", old.tried_text, new.tried_text))
    fields += [
        _text("Caution", old.caution, new.caution),
        _rule(old, new, was, now),
        _names("Citations", was.citations(old), now.citations(new)),
        _names("Caution citations", was.citations(old, caution=True), now.citations(new, caution=True)),
    ]
    return fields


def _reference_fields(
    old: ReferenceEntry, new: ReferenceEntry, was: _Context, now: _Context
) -> list[FieldChange | None]:
    return [
        _text("Citation", old.citation, new.citation),
        _value("Kind", was.label("reference_kind", old.kind), now.label("reference_kind", new.kind)),
        _value(
            "Record",
            "Incomplete" if old.is_incomplete else "Complete",
            "Incomplete" if new.is_incomplete else "Complete",
        ),
    ]


def _options(question: Question) -> list[str]:
    return [f"{choice.label} ({choice.value})" for choice in question.choices]


def _range(question: Question) -> str:
    return f"{question.minimum} to {question.maximum}" if question.kind is Kind.INTEGER else ""


def _asked_when(question: Question, vocabulary: Vocabulary) -> str:
    rule = question.asked_when
    if rule is None:
        return "always"
    if rule.question in vocabulary:
        return rule.describe(vocabulary)
    return f"Asked when {rule.question} is {' or '.join(rule.values)}."  # a parent the edition lacks: its codes


def _question_fields(old: Question, new: Question, was: _Context, now: _Context) -> list[FieldChange | None]:
    return [
        _text("Question", old.label, new.label),
        _text("Help text", old.help_text, new.help_text),
        _value("Step", was.step_title(old.step), now.step_title(new.step)),
        _value("Kind", KIND_LABELS[old.kind], KIND_LABELS[new.kind]),
        _names("Options", _options(old), _options(new)),
        _value("Range", _range(old), _range(new)),
        _value("Answer", "optional" if old.optional else "required", "optional" if new.optional else "required"),
        # When it is asked, compared by its codes: a relabelled parent is that question's change, not this one's.
        None
        if old.asked_when == new.asked_when
        else _text("Asked", _asked_when(old, was.vocabulary), _asked_when(new, now.vocabulary)),
        _value(
            "Wizard",
            "asks it" if old.in_wizard else "does not ask it",
            "asks it" if new.in_wizard else "does not ask it",
        ),
    ]


def _question_title(question: Question) -> str:
    return question.label


def _pathway_title(entry: PathwayEntry | EditionTextEntry) -> str:
    return entry.title


def _statement_title(entry: StatementEntry) -> str:
    return entry.text


def _reference_title(entry: ReferenceEntry) -> str:
    return entry.citation or entry.key


def _compare_kind(
    kind: str,
    label: str,
    old_entries: Sequence[Any],
    new_entries: Sequence[Any],
    fields: Callable[[Any, Any, _Context, _Context], list[FieldChange | None]],
    title: Callable[[Any], str],
    was: _Context,
    now: _Context,
) -> KindDiff:
    old_by_key = {entry.key: entry for entry in old_entries}
    new_keys = {entry.key for entry in new_entries}
    added, changed = [], []
    unchanged = 0
    for entry in new_entries:  # in the new edition's order
        before = old_by_key.get(entry.key)
        item_id = now.item_id(entry)
        if before is None:
            rule = getattr(entry, "rule", None)
            when = rule.describe(now.vocabulary) if rule is not None and rule.conditions else ""
            added.append(
                ItemChange(kind, entry.key, ADDED, title(entry), new=entry, item_id=item_id, applies_when=when)
            )
            continue
        differences = tuple(field for field in fields(before, entry, was, now) if field is not None)
        if differences:
            changed.append(ItemChange(kind, entry.key, CHANGED, title(entry), before, entry, differences, item_id))
        else:
            unchanged += 1
    removed = tuple(
        ItemChange(kind, entry.key, REMOVED, title(entry), old=entry, item_id=was.item_id(entry))
        for entry in old_entries
        if entry.key not in new_keys
    )
    return KindDiff(kind, label, tuple(added), removed, tuple(changed), unchanged)


def compare_editions(old: EditionSnapshot, new: EditionSnapshot, *, labels: Labels | None = None) -> EditionDiff:
    """What ``new`` adds, removes and changes relative to ``old``, item by item (matched by key)."""
    was, now = _Context(old, labels), _Context(new, labels)

    def references(snapshot: EditionSnapshot) -> list[ReferenceEntry]:
        return sorted(snapshot.references.values(), key=lambda reference: reference.key)

    def text(snapshot: EditionSnapshot) -> list[EditionTextEntry]:
        return [snapshot.text] if snapshot.text is not None else []

    return EditionDiff(
        old,
        new,
        (
            _compare_kind("editiontext", "Edition text", text(old), text(new), _text_fields, _pathway_title, was, now),
            _compare_kind(
                "question",
                "Questions",
                old.vocabulary.questions,
                new.vocabulary.questions,
                _question_fields,
                _question_title,
                was,
                now,
            ),
            _compare_kind("pathway", "Pathways", old.pathways, new.pathways, _pathway_fields, _pathway_title, was, now),
            _compare_kind(
                "recommendation",
                "Recommendations",
                old.recommendations,
                new.recommendations,
                _statement_fields,
                _statement_title,
                was,
                now,
            ),
            _compare_kind(
                "pitfall", "Pitfalls", old.pitfalls, new.pitfalls, _statement_fields, _statement_title, was, now
            ),
            _compare_kind(
                "reference",
                "References",
                references(old),
                references(new),
                _reference_fields,
                _reference_title,
                was,
                now,
            ),
        ),
    )


# ---------------------------------------------------------------------------------------
# One patient: the plan as given beside the plan under a newer edition
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkedItem:
    """A planned statement with how it differs in the other plan: added, removed, changed or ''."""

    item: Planned
    mark: str
    chunks: tuple[Chunk, ...] = ()  # the word diff of its text, when changed


@dataclass(frozen=True)
class MarkedSection:
    key: str
    label: str
    items: tuple[MarkedItem, ...]


@dataclass(frozen=True)
class PlanSide:
    plan: Plan
    pathways: tuple[MarkedItem, ...]
    sections: tuple[MarkedSection, ...]
    pitfalls: tuple[MarkedItem, ...]
    tried: tuple[MarkedItem, ...] = ()  # the plan's already-tried part


@dataclass(frozen=True)
class StatementChange:
    """A statement shown in both plans whose content differs: the fields, text first."""

    old: Planned
    new: Planned
    fields: tuple[FieldChange, ...]

    @property
    def text_chunks(self) -> tuple[Chunk, ...]:
        text = next((field for field in self.fields if field.name == "Text"), None)
        return text.chunks if text else ()


@dataclass(frozen=True)
class PlanDiff:
    old: PlanSide
    new: PlanSide
    pathways_added: tuple[Planned, ...]
    pathways_removed: tuple[Planned, ...]
    statements_added: tuple[Planned, ...]
    statements_removed: tuple[Planned, ...]
    statements_changed: tuple[StatementChange, ...]
    statements_unchanged: int
    pitfalls_added: tuple[Planned, ...]
    pitfalls_removed: tuple[Planned, ...]
    pitfalls_changed: tuple[StatementChange, ...]

    @property
    def is_same(self) -> bool:
        """True when this patient's plan reads the same under both editions."""
        return not (
            self.pathways_added
            or self.pathways_removed
            or self.statements_added
            or self.statements_removed
            or self.statements_changed
            or self.pitfalls_added
            or self.pitfalls_removed
            or self.pitfalls_changed
        )


def _plan_statement_fields(
    old: StatementEntry | PathwayEntry, new: StatementEntry | PathwayEntry, was: _Context, now: _Context
) -> tuple[FieldChange, ...]:
    """What a clinician reads of a statement on the summary: its text, caution, section and grading.

    Not its conditions: if a statement still applies to this patient, a change of when it
    applies to others is no change for this case."""
    if isinstance(old, PathwayEntry) and isinstance(new, PathwayEntry):
        return tuple(field for field in (_text("Title", old.title, new.title),) if field is not None)
    if not (isinstance(old, StatementEntry) and isinstance(new, StatementEntry)):
        return ()  # a pathway and a statement are never matched (they are compared kind by kind)
    fields = [_text("Text", old.text, new.text), _text("Caution", old.caution, new.caution)]
    if new.kind == "recommendation":
        fields += [
            *_grading_fields(old, new, was, now),
        ]
    return tuple(field for field in fields if field is not None)


ADVICE, ALREADY_TRIED = "Advice", "Already tried"


def _tried_fields(old: Planned, new: Planned) -> tuple[FieldChange, ...]:
    """A statement that moved into or out of the already-tried part (its treatments changed), and,
    while it is shown as tried, a change of the edition's wording for it."""
    old_tried, new_tried = old.all_tried, new.all_tried
    fields = [_value("Shown as", ALREADY_TRIED if old_tried else ADVICE, ALREADY_TRIED if new_tried else ADVICE)]
    if (old_tried or new_tried) and isinstance(old.entry, StatementEntry) and isinstance(new.entry, StatementEntry):
        fields.append(_text("Wording when tried", old.entry.tried_text, new.entry.tried_text))
    return tuple(field for field in fields if field is not None)


def _match(
    old_items: Sequence[Planned], new_items: Sequence[Planned], was: _Context, now: _Context
) -> tuple[tuple[Planned, ...], tuple[Planned, ...], tuple[StatementChange, ...], int]:
    old_by_key = {item.entry.key: item for item in old_items}
    new_keys = {item.entry.key for item in new_items}
    added: list[Planned] = []
    changed: list[StatementChange] = []
    unchanged = 0
    for item in new_items:
        before = old_by_key.get(item.entry.key)
        if before is None:
            added.append(item)
            continue
        fields = _plan_statement_fields(before.entry, item.entry, was, now) + _tried_fields(before, item)
        if fields:
            changed.append(StatementChange(before, item, fields))
        else:
            unchanged += 1
    removed = tuple(item for item in old_items if item.entry.key not in new_keys)
    return tuple(added), removed, tuple(changed), unchanged


def _side(plan: Plan, gone: set[str], changed: Mapping[str, tuple[Chunk, ...]], mark_gone: str) -> PlanSide:
    def marked(item: Planned) -> MarkedItem:
        key = item.entry.key
        if key in gone:
            return MarkedItem(item, mark_gone)
        if key in changed:
            return MarkedItem(item, CHANGED, changed[key])
        return MarkedItem(item, "")

    return PlanSide(
        plan,
        tuple(marked(item) for item in plan.pathways),
        tuple(MarkedSection(s.key, s.label, tuple(marked(item) for item in s.items)) for s in plan.sections),
        tuple(marked(item) for item in plan.pitfalls),
        tuple(marked(item) for item in plan.tried),
    )


def plan_compare(old_plan: Plan, new_plan: Plan, *, labels: Labels | None = None) -> PlanDiff:
    """How ``new_plan`` differs from ``old_plan`` for the same patient, statement by statement (by key).

    Statements are those shown, as advice or as already tried: one that moves between the two
    (its treatments changed) is a change, not a statement removed and another added."""
    was, now = _Context(old_plan.edition, labels), _Context(new_plan.edition, labels)
    pathways_added, pathways_removed, _, _ = _match(old_plan.pathways, new_plan.pathways, was, now)
    added, removed, changed, unchanged = _match(
        (*old_plan.recommendations, *old_plan.tried), (*new_plan.recommendations, *new_plan.tried), was, now
    )
    pitfalls_added, pitfalls_removed, pitfalls_changed, _ = _match(old_plan.pitfalls, new_plan.pitfalls, was, now)

    old_only = {item.entry.key for item in (*pathways_removed, *removed, *pitfalls_removed)}
    new_only = {item.entry.key for item in (*pathways_added, *added, *pitfalls_added)}
    old_changed = {change.old.entry.key: change.text_chunks for change in (*changed, *pitfalls_changed)}
    new_changed = {change.new.entry.key: change.text_chunks for change in (*changed, *pitfalls_changed)}
    return PlanDiff(
        old=_side(old_plan, old_only, old_changed, REMOVED),
        new=_side(new_plan, new_only, new_changed, ADDED),
        pathways_added=pathways_added,
        pathways_removed=pathways_removed,
        statements_added=added,
        statements_removed=removed,
        statements_changed=changed,
        statements_unchanged=unchanged,
        pitfalls_added=pitfalls_added,
        pitfalls_removed=pitfalls_removed,
        pitfalls_changed=pitfalls_changed,
    )


def answers_for_today(
    raw: Mapping[str, Any], vocabulary: Vocabulary = QUESTIONS
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Saved answers, checked against today's questions (``vocabulary``, the current edition's): (the
    answers that still fit, the keys of questions now asked that they leave unanswered or answer in a
    way no longer allowed).

    A saved assessment was valid when saved; if the vocabulary has grown since, its answers
    may lack a question that is now asked. A plan under a newer edition is then built
    from what is there, and the page says what is missing.
    """
    try:
        # Saved answers were valid when saved: a consistency rule added since does not drop them.
        return clean_answers(dict(raw), check_consistency=False, vocabulary=vocabulary), ()
    except AnswersError as error:
        problems = {key for key in error.errors if key in vocabulary}
    kept: dict[str, Any] = {}
    for key, question in vocabulary.items():  # vocabulary order: a question's parent comes first
        if key in raw and key not in problems and is_asked(question, kept):
            kept[key] = raw[key]
    missing = tuple(key for key in vocabulary if key in problems and is_asked(vocabulary[key], kept))
    return kept, missing
