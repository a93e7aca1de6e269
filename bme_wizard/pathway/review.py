"""Review statuses: the one definition of the editorial board's review states and their labels.

Every item of an edition (and every content scenario) moves through review:
draft -> submitted -> under review -> approved, or back to its author with changes
requested. The content app builds its model choices from this module, and the pathway
engine reads it to tell clinicians where what they are shown stands.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"

    @property
    def label(self) -> str:
        return REVIEW_STATUS_LABELS[self]


REVIEW_STATUS_LABELS: Mapping[ReviewStatus, str] = {
    ReviewStatus.DRAFT: "Draft",
    ReviewStatus.SUBMITTED: "Submitted",
    ReviewStatus.UNDER_REVIEW: "Under review",
    ReviewStatus.APPROVED: "Approved",
    ReviewStatus.CHANGES_REQUESTED: "Changes requested",
}

# The states in which an author may change content; any other state is covered by a
# submission or an approval that a change would silently outdate.
EDITABLE: frozenset[ReviewStatus] = frozenset({ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED})

# What clinicians are told of the content in front of them: its least advanced stage.
CLINICIAN_STAGES: tuple[ReviewStatus, ...] = (
    ReviewStatus.SUBMITTED,
    ReviewStatus.UNDER_REVIEW,
    ReviewStatus.APPROVED,
)


def clinician_stage(statuses: Iterable[str]) -> ReviewStatus:
    """The stage of content whose items have these statuses: approved only when all are;
    under review when all are at least under review; otherwise submitted (drafts, shown
    only in previews, count as submitted)."""
    seen = set(statuses)
    if seen <= {ReviewStatus.APPROVED}:
        return ReviewStatus.APPROVED
    if seen <= {ReviewStatus.APPROVED, ReviewStatus.UNDER_REVIEW}:
        return ReviewStatus.UNDER_REVIEW
    return ReviewStatus.SUBMITTED
