"""Reads of guideline content."""

from __future__ import annotations

from bme_wizard.pathway.scenarios import ScenarioOutcome, ScenarioSpec, run_scenarios

from .models import FROZEN_STATUSES, Edition, EditionItem, ReviewStatus, Scenario
from .snapshot import edition_snapshot


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


def edition_publish_blockers(*, edition: Edition, scenarios_only: bool = False) -> list[str]:
    """Why ``edition`` cannot be published yet, one line each; empty when it can."""
    problems = []
    if not scenarios_only:
        pending = list(items_not_approved(edition=edition).values_list("key", "review_status"))
        if pending:
            labels = dict(ReviewStatus.choices)
            listed = ", ".join(f"{key} ({labels[status].lower()})" for key, status in pending[:10])
            more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            problems.append(f"{len(pending)} item(s) not approved: {listed}{more}.")
    for outcome in scenario_results(edition=edition):
        if not outcome.passed:
            problems.append(f"Scenario “{outcome.spec.title}” fails: {'; '.join(outcome.problems())}.")
    return problems
