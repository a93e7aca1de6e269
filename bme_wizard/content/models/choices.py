"""The stored choices of guideline content and their display labels, defined once.

Review statuses come from the pure engine (``pathway.review``), which also needs them;
everything else is the content app's own. ``LABELS`` is the one lookup every page,
template tag and comparison uses to show a stored value to a person.
"""

from __future__ import annotations

from django.db import models

from bme_wizard.pathway import review

# A TextChoices built from the engine's enum, so the values and labels have one definition.
ReviewStatus = models.TextChoices(
    "ReviewStatus", [(status.name, (status.value, status.label)) for status in review.ReviewStatus]
)

EDITABLE_STATUSES = frozenset(str(status) for status in review.EDITABLE)


class EditionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


FROZEN_STATUSES = frozenset({EditionStatus.PUBLISHED, EditionStatus.SUPERSEDED})


class Section(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment and imaging"
    FIRST_LINE = "first_line", "First-line management"
    UNDERLYING = "underlying", "Treat the underlying disease"
    ESCALATION = "escalation", "If first-line management fails"
    FOLLOW_UP = "follow_up", "Follow-up"


class Strength(models.TextChoices):
    STRONG = "strong", "Strong"
    CONDITIONAL = "conditional", "Conditional"
    NOT_GRADED = "not_graded", "Not graded"


class Certainty(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NOT_GRADED = "not_graded", "Not graded"


class ReferenceKind(models.TextChoices):
    GUIDELINE = "guideline", "Guideline"
    RESEARCH = "research", "Research"


class CommentKind(models.TextChoices):
    """What a review comment records about the statement it concerns (an evidence note)."""

    CONFIRMED = "confirmed", "Confirmed"
    REFINED = "refined", "Refined"
    NOT_CONFIRMED = "not_confirmed", "Not confirmed"
    NOT_FOUND = "not_found", "Not found in a primary source"
    EDITORIAL = "editorial", "Editorial note"


# An open note of these kinds says the statement may be wrong: it blocks approval until resolved.
BLOCKING_COMMENT_KINDS = frozenset({CommentKind.NOT_CONFIRMED, CommentKind.NOT_FOUND})


LABELS: dict[str, dict[str, str]] = {
    "review_status": dict(ReviewStatus.choices),
    "edition_status": dict(EditionStatus.choices),
    "section": dict(Section.choices),
    "strength": dict(Strength.choices),
    "certainty": dict(Certainty.choices),
    "reference_kind": dict(ReferenceKind.choices),
    "comment_kind": dict(CommentKind.choices),
}


def label(value: str | None, kind: str) -> str:
    """The display label of a stored choice; a value without one shows as stored."""
    return LABELS[kind].get(value or "", value or "")
