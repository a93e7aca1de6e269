"""Content scenarios: a named set of answers and the items its plan must and must not show.

Scenarios guard an edition before it is published: the editorial board writes one per
case that matters (every pathway and pitfall at least), and a failing scenario blocks
publishing. Items are named by their stable ``key``, so one scenario checks every edition.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .answers import AnswersError, clean_answers
from .plan import EditionSnapshot, PathwayEntry, Plan, StatementEntry, build_plan


@dataclass(frozen=True)
class ScenarioSpec:
    key: str
    title: str
    answers: Mapping[str, Any]
    must_show: Sequence[str]
    must_not_show: Sequence[str]


@dataclass(frozen=True)
class ScenarioOutcome:
    spec: ScenarioSpec
    missing: tuple[str, ...] = ()  # must show, but the plan does not
    unexpected: tuple[str, ...] = ()  # must not show, but the plan does
    absent: tuple[str, ...] = ()  # named by the scenario, but not in this edition at all
    error: str = ""  # the answers do not fit the vocabulary

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.absent or self.error)

    def problems(self) -> list[str]:
        """Why it failed, in words, one line each (empty when it passed)."""
        lines = []
        if self.error:
            lines.append(f"Its answers are not valid: {self.error}")
        if self.absent:
            lines.append(f"Not in this edition: {', '.join(self.absent)}")
        if self.missing:
            lines.append(f"Should show but does not: {', '.join(self.missing)}")
        if self.unexpected:
            lines.append(f"Shows but should not: {', '.join(self.unexpected)}")
        return lines


def shown_keys(plan: Plan) -> set[str]:
    """The keys of every pathway, statement and pitfall a plan shows, statements shown as already tried included."""
    return {item.entry.key for item in plan.shown}


def edition_keys(snapshot: EditionSnapshot) -> set[str]:
    entries: tuple[PathwayEntry | StatementEntry, ...] = (
        *snapshot.pathways,
        *snapshot.recommendations,
        *snapshot.pitfalls,
    )
    return {entry.key for entry in entries}


def run_scenario(spec: ScenarioSpec, snapshot: EditionSnapshot) -> ScenarioOutcome:
    try:
        answers = clean_answers(spec.answers, vocabulary=snapshot.vocabulary)
    except AnswersError as error:
        return ScenarioOutcome(spec, error=str(error))
    known = edition_keys(snapshot)
    shown = shown_keys(build_plan(answers, snapshot))
    return ScenarioOutcome(
        spec,
        missing=tuple(key for key in spec.must_show if key in known and key not in shown),
        unexpected=tuple(key for key in spec.must_not_show if key in shown),
        absent=tuple(key for key in spec.must_show if key not in known),
    )


def run_scenarios(specs: Sequence[ScenarioSpec], snapshot: EditionSnapshot) -> list[ScenarioOutcome]:
    return [run_scenario(spec, snapshot) for spec in specs]
