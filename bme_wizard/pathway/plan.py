"""Plan assembly: one patient's answers + an edition snapshot -> a Plan.

The snapshot is plain data (built from the database by the content app, once per
edition revision); the engine reads nothing else, so ``build_plan`` is deterministic
and fast, and testable without a database.

Order of the plan, which is also the order in which references are numbered:
matched pathways (the clinical contexts), then the recommendations grouped by section
in editorial order (sections in the edition's order; within a section, by pathway
order and then statement order), then the statements already tried, then the pitfalls.

A treatment already tried is a state, not a badge: a recommendation every one of whose
treatments is among ``treatments_tried`` leaves its section for the plan's "already
tried" part (``Plan.tried``), in the order it would have had. One with only some of its
treatments tried stays where it is and says which (``Planned.tried``). A statement that
names no treatment is never "tried".

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .conditions import Condition, Outcome, Rule
from .review import ReviewStatus, clinician_stage
from .vocabulary import QUESTIONS, TREATMENTS_QUESTION, Vocabulary

# A rule's bound outcome method: answers -> whether (and why) the item applies.
OutcomeOf = Callable[[Mapping[str, object]], Outcome]


@dataclass(frozen=True)
class ReferenceEntry:
    id: int
    key: str
    kind: str
    citation: str  # the full citation as one line
    is_incomplete: bool
    review_status: str


@dataclass(frozen=True)
class PathwayEntry:
    id: int
    key: str
    title: str
    summary: str
    summary_html: str
    review_status: str
    rule: Rule
    citations: tuple[int, ...]  # reference ids, in citation order


@dataclass(frozen=True)
class StatementEntry:
    """A recommendation (with pathway and section) or a pitfall (without)."""

    id: int
    key: str
    kind: str  # "recommendation" or "pitfall"
    text: str
    text_html: str
    plain_text: str
    plain_html: str
    review_status: str
    rule: Rule
    citations: tuple[int, ...]
    pathway_key: str | None = None
    section: str | None = None
    strength: str | None = None
    certainty: str | None = None
    treatments: tuple[str, ...] = ()
    # The edition's own, reviewed wording for "this has been tried" (Markdown, and rendered and
    # sanitized HTML like ``text_html``); empty when the edition has none.
    tried_text: str = ""
    tried_html: str = ""
    # A short clinician-facing caution while the statement's evidence is in doubt, with its own sources.
    caution: str = ""
    caution_html: str = ""
    caution_citations: tuple[int, ...] = ()


@dataclass(frozen=True)
class EditionTextEntry:
    """The edition's own text: what clinicians read of it is its title and where its content comes from."""

    id: int
    key: str
    title: str
    summary: str
    source_note: str
    source_note_html: str
    review_status: str
    content_date: str = ""  # ISO 8601; empty when the board, not a source, dates the content


@dataclass(frozen=True)
class EditionSnapshot:
    id: int
    number: int
    title: str
    status: str
    updated_at: str  # ISO 8601
    sections: tuple[tuple[str, str], ...]  # (key, label) in editorial order
    pathways: tuple[PathwayEntry, ...]
    recommendations: tuple[StatementEntry, ...]  # editorial order
    pitfalls: tuple[StatementEntry, ...]
    references: Mapping[int, ReferenceEntry]
    # The edition's own text (title, summary, source note), reviewed like its items.
    text: EditionTextEntry | None = None
    # When its content was last updated: its source's date, or its publication date (ISO 8601);
    # empty for a draft that has neither.
    last_updated: str = ""
    publication_note: str = ""
    publication_note_html: str = ""
    # Rows that could not be read (e.g. written to the database behind the application's back): their
    # items apply to no one, and publishing is refused until they are mended.
    problems: tuple[str, ...] = ()
    # The edition's questions: what its conditions refer to and what "why this applies" says.
    vocabulary: Vocabulary = QUESTIONS
    # The edition's question items by key (their database ids), for editors' links.
    question_ids: Mapping[str, int] = field(default_factory=dict)
    # For build_plan's inner loops: each entry paired with its rule's bound outcome method.
    _by_pathway: Mapping[str, tuple[tuple[StatementEntry, OutcomeOf], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _pitfall_rules: tuple[tuple[StatementEntry, OutcomeOf], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[tuple[StatementEntry, OutcomeOf]]] = {}
        for recommendation in self.recommendations:
            grouped.setdefault(recommendation.pathway_key or "", []).append(
                (recommendation, recommendation.rule.outcome)
            )
        object.__setattr__(self, "_by_pathway", {key: tuple(items) for key, items in grouped.items()})
        object.__setattr__(self, "_pitfall_rules", tuple((pitfall, pitfall.rule.outcome) for pitfall in self.pitfalls))

    @property
    def label(self) -> str:
        return f"Edition {self.number}"

    @property
    def statement_count(self) -> int:
        return len(self.recommendations) + len(self.pitfalls)


class Planned(NamedTuple):
    """A pathway or statement that applies, with why, what was tried, and its reference numbers.

    A NamedTuple rather than a frozen dataclass: a plan makes hundreds, and this is the
    cheapest immutable record to build."""

    entry: PathwayEntry | StatementEntry
    because: tuple[Condition, ...]
    citation_numbers: tuple[int, ...]
    tried: tuple[str, ...] = ()  # the statement's treatments already among treatments_tried
    caution_numbers: tuple[int, ...] = ()  # the reference numbers of its caution's sources
    vocabulary: Vocabulary = QUESTIONS  # the edition's questions, in whose words ``why`` speaks

    @property
    def all_tried(self) -> bool:
        """Every one of the statement's treatments has been tried (False for a statement naming none)."""
        return is_all_tried(self.entry, frozenset(self.tried))

    @property
    def applies_when(self) -> str:
        """When the item applies, in its edition's words (empty: always)."""
        rule = self.entry.rule
        return rule.describe(self.vocabulary) if rule.conditions else ""

    @property
    def tried_labels(self) -> str:
        """The statement's treatments already tried, in the edition's words."""
        return self.vocabulary.treatment_labels(self.tried)

    @property
    def why(self) -> tuple[str, ...]:
        """The answers that made this apply, in words; empty means it applies to every patient."""
        vocabulary = self.vocabulary
        return tuple(_describe(condition, vocabulary) for condition in self.because)


def is_all_tried(entry: PathwayEntry | StatementEntry, tried: frozenset[str]) -> bool:
    """True when ``entry`` names treatments and every one of them is in ``tried``."""
    treatments = entry.treatments if isinstance(entry, StatementEntry) else ()
    return bool(treatments) and tried.issuperset(treatments)


@dataclass(frozen=True)
class PlanSection:
    key: str
    label: str
    items: tuple[Planned, ...]


@dataclass(frozen=True)
class NumberedReference:
    number: int
    entry: ReferenceEntry


@dataclass(frozen=True)
class Plan:
    edition: EditionSnapshot
    answers: Mapping[str, Any]
    pathways: tuple[Planned, ...]
    sections: tuple[PlanSection, ...]
    pitfalls: tuple[Planned, ...]
    references: tuple[NumberedReference, ...]
    # Recommendations all of whose treatments were already tried, in plan order: shown as tried.
    tried: tuple[Planned, ...] = ()

    @property
    def recommendations(self) -> tuple[Planned, ...]:
        """What the plan advises: the sections' statements (the already-tried part is not advice)."""
        return tuple(item for section in self.sections for item in section.items)

    @property
    def shown(self) -> tuple[Planned, ...]:
        """Everything the plan shows, in page order: pathways, sections, the already-tried part, pitfalls."""
        return (*self.pathways, *self.recommendations, *self.tried, *self.pitfalls)

    @property
    def tried_treatments(self) -> tuple[str, ...]:
        """The treatments of the already-tried part, each once, in the order they first appear."""
        return tuple(dict.fromkeys(treatment for item in self.tried for treatment in item.tried))

    @property
    def tried_labels(self) -> str:
        """``tried_treatments`` in the edition's words."""
        return self.edition.vocabulary.treatment_labels(self.tried_treatments)

    @property
    def tried_treatment_labels(self) -> tuple[str, ...]:
        """``tried_treatments``, each in the edition's words."""
        return tuple(self.edition.vocabulary.treatment_label(t) for t in self.tried_treatments)

    @property
    def review_stage(self) -> ReviewStatus:
        """Where what is shown stands, by its least advanced item: submitted, under review or approved."""
        return _review_stage(self.edition, list(self.shown), self.references)

    @property
    def pending_review(self) -> bool:
        """True when anything shown has not yet been approved by the medical advisory board."""
        return self.review_stage != ReviewStatus.APPROVED


class _Numbering:
    """Numbers references in order of first citation, as items are placed on the page."""

    def __init__(self, vocabulary: Vocabulary, tried_all: frozenset[str] = frozenset()):
        self.numbers: dict[int, int] = {}
        self.tried_all = tried_all
        self.vocabulary = vocabulary

    def _number(self, ref_ids: tuple[int, ...]) -> tuple[int, ...]:
        numbers = self.numbers
        placed = []
        for ref_id in ref_ids:
            number = numbers.get(ref_id)
            if number is None:
                number = numbers[ref_id] = len(numbers) + 1
            placed.append(number)
        return tuple(placed)

    def place(self, entry: PathwayEntry | StatementEntry, because: tuple[Condition, ...] = ()) -> Planned:
        citation_numbers = self._number(entry.citations)
        caution_citations = getattr(entry, "caution_citations", ())
        caution_numbers = self._number(caution_citations) if caution_citations else ()
        tried_all = self.tried_all
        treatments = getattr(entry, "treatments", ()) if tried_all else ()
        tried = tuple(treatment for treatment in treatments if treatment in tried_all) if treatments else ()
        return Planned(entry, because, citation_numbers, tried, caution_numbers, self.vocabulary)

    def references(self, snapshot: EditionSnapshot) -> tuple[NumberedReference, ...]:
        ordered = sorted(self.numbers.items(), key=lambda pair: pair[1])
        return tuple(NumberedReference(number, snapshot.references[ref_id]) for ref_id, number in ordered)


@lru_cache(maxsize=4096)
def _describe(condition: Condition, vocabulary: Vocabulary) -> str:
    # The same rows recur across statements and plans: describe each once (a vocabulary hashes by identity).
    return condition.describe(vocabulary)


def _review_stage(
    snapshot: EditionSnapshot, items: list[Planned], references: tuple[NumberedReference, ...]
) -> ReviewStatus:
    """The stage of what a page shows: its statements, their references and the edition's own text."""
    statuses = [item.entry.review_status for item in items]
    statuses += [ref.entry.review_status for ref in references]
    if snapshot.text is not None:
        statuses.append(snapshot.text.review_status)
    return clinician_stage(statuses)


def _merge(first: tuple[Condition, ...], second: tuple[Condition, ...]) -> tuple[Condition, ...]:
    if not first:
        return second
    if not second:
        return first
    return first + tuple(condition for condition in second if condition not in first)


def build_plan(answers: Mapping[str, Any], snapshot: EditionSnapshot) -> Plan:
    """Decide what applies to this patient. ``answers`` must already be cleaned (see answers.py)."""
    tried_all = frozenset(answers.get(TREATMENTS_QUESTION) or ())

    matched: list[tuple[PathwayEntry, tuple[Condition, ...]]] = []
    for pathway in snapshot.pathways:
        outcome = pathway.rule.outcome(answers)
        if outcome.applies:
            matched.append((pathway, outcome.because))

    # The hot loops of the engine (thousands of statements in a large edition): kept lean.
    by_section: dict[str, list[tuple[StatementEntry, tuple[Condition, ...]]]] = {}
    merge = _merge
    for pathway, pathway_because in matched:
        for recommendation, outcome_of in snapshot._by_pathway.get(pathway.key, ()):
            outcome = outcome_of(answers)
            if outcome.applies:
                section = recommendation.section or ""
                because = merge(pathway_because, outcome.because)
                if section in by_section:
                    by_section[section].append((recommendation, because))
                else:
                    by_section[section] = [(recommendation, because)]

    pitfalls: list[tuple[StatementEntry, tuple[Condition, ...]]] = []
    for pitfall, outcome_of in snapshot._pitfall_rules:
        outcome = outcome_of(answers)
        if outcome.applies:
            pitfalls.append((pitfall, outcome.because))

    section_order = [key for key, _ in snapshot.sections]
    section_order += sorted(key for key in by_section if key not in section_order)
    ordered = [(key, by_section[key]) for key in section_order if key in by_section]

    # Statements whose every treatment was tried leave their section, in plan order.
    tried_part: list[tuple[StatementEntry, tuple[Condition, ...]]] = []
    if tried_all:
        advised = []
        for key, items in ordered:
            remaining = []
            for entry, because in items:
                if is_all_tried(entry, tried_all):
                    tried_part.append((entry, because))
                else:
                    remaining.append((entry, because))
            if remaining:
                advised.append((key, remaining))
        ordered = advised

    # Placed (and so references numbered) in page order.
    numbering = _Numbering(snapshot.vocabulary, tried_all)
    planned = numbering.place
    planned_pathways = tuple(planned(entry, because) for entry, because in matched)
    labels = dict(snapshot.sections)
    sections = tuple(
        PlanSection(key, labels.get(key, key), tuple(planned(entry, because) for entry, because in items))
        for key, items in ordered
    )
    planned_tried = tuple(planned(entry, because) for entry, because in tried_part)
    planned_pitfalls = tuple(planned(entry, because) for entry, because in pitfalls)
    references = numbering.references(snapshot)
    return Plan(
        edition=snapshot,
        answers=dict(answers),
        pathways=planned_pathways,
        sections=sections,
        pitfalls=planned_pitfalls,
        references=references,
        tried=planned_tried,
    )


@dataclass(frozen=True)
class OutlinePathway:
    pathway: Planned
    recommendations: tuple[Planned, ...]


@dataclass(frozen=True)
class Outline:
    """The whole edition, every statement whatever the answers, in editorial order (the guideline page)."""

    edition: EditionSnapshot
    pathways: tuple[OutlinePathway, ...]
    pitfalls: tuple[Planned, ...]
    references: tuple[NumberedReference, ...]

    @property
    def pending_review(self) -> bool:
        statements = [r for p in self.pathways for r in p.recommendations]
        stage = _review_stage(
            self.edition, [*(p.pathway for p in self.pathways), *statements, *self.pitfalls], self.references
        )
        return stage != ReviewStatus.APPROVED


def outline(snapshot: EditionSnapshot) -> Outline:
    numbering = _Numbering(snapshot.vocabulary)
    pathways = tuple(
        OutlinePathway(
            numbering.place(pathway),
            tuple(numbering.place(entry) for entry, _ in snapshot._by_pathway.get(pathway.key, ())),
        )
        for pathway in snapshot.pathways
    )
    pitfalls = tuple(numbering.place(pitfall) for pitfall in snapshot.pitfalls)
    return Outline(snapshot, pathways, pitfalls, numbering.references(snapshot))
