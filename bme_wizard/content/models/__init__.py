"""Guideline content that the editorial board owns: editions and what they contain.

One module per concept, re-exported here:
- ``choices``: stored choices and their labels (review statuses come from ``pathway.review``);
- ``guard``: the backstop every content model shares (frozen editions, validation on save,
  review state, revisions, optimistic locking);
- ``editions``: editions, their base and publication;
- ``items``: the items of an edition (its text, questions, pathways, recommendations, pitfalls, references);
- ``rows``: an item's conditions and citations;
- ``review``: the review state machine and the board's comments;
- ``scenarios``: content scenarios;
- ``history``: what an item's history records of its rows.

Writes go through ``content.services``; the models refuse what no write may do.
"""

from .choices import (
    BLOCKING_COMMENT_KINDS,
    EDITABLE_STATUSES,
    FROZEN_STATUSES,
    LABELS,
    Certainty,
    CommentKind,
    EditionStatus,
    ReferenceKind,
    ReviewStatus,
    Section,
    Strength,
    label,
)
from .editions import Edition
from .guard import (
    DirectWriteError,
    EditConflictError,
    EditionImmutableError,
    FrozenWhenPublished,
    carrying_review_state,
    edition_touch,
    edition_touches_deferred,
)
from .history import ItemHistory
from .items import (
    CONCRETE_KINDS,
    EDITION_TEXT_KEY,
    TEXT_MAX_CHARS,
    EditionItem,
    EditionText,
    Pathway,
    Pitfall,
    Question,
    QuestionKind,
    Recommendation,
    Reference,
    edition_or_current,
    edition_vocabulary,
    in_asked_order,
    read_vocabulary,
    treatment_choices,
)
from .people import DELETED_ACCOUNT, person_name
from .review import ReviewComment, Reviewed
from .rows import Citation, CitationPart, Condition, condition_editor_questions, operator_choices, question_choices
from .scenarios import SCENARIO_CONTENT, Scenario

__all__ = [
    "BLOCKING_COMMENT_KINDS",
    "CONCRETE_KINDS",
    "DELETED_ACCOUNT",
    "EDITABLE_STATUSES",
    "EDITION_TEXT_KEY",
    "FROZEN_STATUSES",
    "LABELS",
    "SCENARIO_CONTENT",
    "TEXT_MAX_CHARS",
    "Certainty",
    "Citation",
    "CitationPart",
    "CommentKind",
    "Condition",
    "DirectWriteError",
    "EditConflictError",
    "Edition",
    "EditionImmutableError",
    "EditionItem",
    "EditionStatus",
    "EditionText",
    "FrozenWhenPublished",
    "ItemHistory",
    "Pathway",
    "Pitfall",
    "Question",
    "QuestionKind",
    "Recommendation",
    "Reference",
    "ReferenceKind",
    "ReviewComment",
    "ReviewStatus",
    "Reviewed",
    "Scenario",
    "Section",
    "Strength",
    "carrying_review_state",
    "condition_editor_questions",
    "edition_or_current",
    "edition_touch",
    "edition_touches_deferred",
    "edition_vocabulary",
    "in_asked_order",
    "label",
    "operator_choices",
    "person_name",
    "question_choices",
    "read_vocabulary",
    "treatment_choices",
]
