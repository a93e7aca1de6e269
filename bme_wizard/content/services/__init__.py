"""The one write path for guideline content: every change goes through these operations.

- ``items``: add, change, remove and restore an item of a draft, and the edition's own text;
- ``review``: the review steps (items and scenarios), comments and evidence notes;
- ``editions``: start a draft (clone), rebase it, publish it, import an edition file;
- ``scenarios``: write a content scenario.

Each operation validates the whole item, checks the version the editor opened, refuses a
frozen edition, records who changed what, sends a changed item back to draft and moves
the edition's revision once. Every refusal is a ``WorkflowError`` (a ValidationError) that
names the item and the field in an editor's words, and changes nothing.
"""

from .common import WorkflowError
from .editions import (
    MINE,
    THEIRS,
    RebaseResult,
    edition_clone,
    edition_import,
    edition_make_current,
    edition_publish,
    edition_rebase,
)
from .items import editable_fields, edition_text_change, item_change, item_create, item_remove, item_restore
from .review import (
    REVIEW_ACTIONS,
    comment_add,
    comment_edit,
    comment_resolve,
    item_review,
    next_steps_hint,
    scenario_review,
)
from .scenarios import scenario_save

__all__ = [
    "MINE",
    "REVIEW_ACTIONS",
    "THEIRS",
    "RebaseResult",
    "WorkflowError",
    "comment_add",
    "comment_edit",
    "comment_resolve",
    "editable_fields",
    "edition_clone",
    "edition_import",
    "edition_make_current",
    "edition_publish",
    "edition_rebase",
    "edition_text_change",
    "item_change",
    "item_create",
    "item_remove",
    "item_restore",
    "item_review",
    "next_steps_hint",
    "scenario_review",
    "scenario_save",
]
