"""Reads of guideline content."""

from __future__ import annotations

from bme_wizard.pathway.compare import EditionDiff, compare_editions
from bme_wizard.pathway.scenarios import ScenarioOutcome, ScenarioSpec, run_scenarios

from .models import FROZEN_STATUSES, Certainty, Edition, EditionItem, ReferenceKind, ReviewStatus, Scenario, Strength
from .snapshot import edition_snapshot

# Display labels of stored grades, for comparisons (the pathway package does not know them).
CHOICE_LABELS = {
    "strength": dict(Strength.choices),
    "certainty": dict(Certainty.choices),
    "reference_kind": dict(ReferenceKind.choices),
}


def edition_current() -> Edition | None:
    """The one published edition clinicians see, or None before any is published."""
    return Edition.objects.current()


def edition_for_clinicians(*, number: int | None = None) -> Edition | None:
    """The current edition, or a named published or superseded one (drafts are for staff only)."""
    if number is None:
        return edition_current()
    return Edition.objects.filter(number=number, status__in=FROZEN_STATUSES).first()


def scenario_specs() -> list[ScenarioSpec]:
    """The active scenarios, as the pathway engine takes them."""
    return [
        ScenarioSpec(s.key, s.title, s.answers, tuple(s.must_show), tuple(s.must_not_show))
        for s in Scenario.objects.filter(is_active=True)
    ]


def scenario_results(*, edition: Edition) -> list[ScenarioOutcome]:
    """Every active scenario run against ``edition`` as it is now (not as a stale copy knew it)."""
    fresh = Edition.objects.only("pk", "revision", "created_at").get(pk=edition.pk)
    return run_scenarios(scenario_specs(), edition_snapshot(fresh))


def items_not_approved(*, edition: Edition):
    return (
        EditionItem.objects.filter(edition=edition)
        .exclude(review_status=ReviewStatus.APPROVED)
        .order_by("review_status", "order", "key")
    )


def edition_publish_blockers(
    *, edition: Edition, scenarios_only: bool = False, results: list[ScenarioOutcome] | None = None
) -> list[str]:
    """Why ``edition`` cannot be published yet, one line each; empty when it can.

    ``results``: the scenarios already run against the edition, when the caller has them."""
    problems = []
    if not scenarios_only:
        pending = list(items_not_approved(edition=edition).values_list("key", "review_status"))
        if pending:
            labels = dict(ReviewStatus.choices)
            listed = ", ".join(f"{key} ({labels[status].lower()})" for key, status in pending[:10])
            more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            problems.append(f"{len(pending)} item(s) not approved: {listed}{more}.")
    for outcome in scenario_results(edition=edition) if results is None else results:
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
