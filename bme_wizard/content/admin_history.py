"""The History page of content, readable by an editor.

django-simple-history keeps a record of every change. Its own page lists changed fields
with values cut short, conditions and citations not at all (they are rows of their own),
and users by id. This page shows, for each change: who (by name, or "a deleted account"),
when, why (the operation's reason), and every field that changed, in full, with the words
added and removed marked, including the item's conditions and citations in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bme_wizard.pathway.compare import Chunk, word_diff

from .models import DELETED_ACCOUNT, person_name
from .models.history import ItemHistory

# Bookkeeping, not content: never listed as a change.
_NOT_SHOWN = {"id", "editionitem_ptr_id", "version", "updated_at", "created_at", "approved_content"}
_ROWS = (("conditions_text", "Applies when"), ("citations_text", "Citations"))


@dataclass(frozen=True)
class HistoryChange:
    label: str
    old: str
    new: str
    chunks: tuple[Chunk, ...]


def _related(model, pk) -> str:
    related = model._default_manager.filter(pk=pk).first()
    return str(related) if related is not None else f"(no longer exists, id {pk})"


def _shown(record, field, names: dict) -> str:
    value = getattr(record, field.attname)
    if field.is_relation:
        if value is None:
            return "–"
        key = (field.related_model, value)
        if key not in names:  # each related object looked up once per page
            names[key] = _related(*key)
        return names[key]
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "" if value is None else str(value)


def record_changes(
    newer, older, names: dict | None = None, words: Callable[[str, Any], str | None] | None = None
) -> list[HistoryChange]:
    """What ``newer`` changed relative to ``older`` (two historical records of one object), in full.
    ``words`` reads a field stored as codes (a scenario's answers, say) in an editor's words; it answers
    None for the fields it leaves to the default reading."""
    names = {} if names is None else names
    changes = []
    for field in type(newer)._meta.concrete_fields:
        if field.attname in _NOT_SHOWN or field.name.startswith("history_") or field.name in dict(_ROWS):
            continue
        old, new = _shown(older, field, names), _shown(newer, field, names)
        if words is not None and old != new:
            old = words(field.name, getattr(older, field.attname)) or old
            new = words(field.name, getattr(newer, field.attname)) or new
        if old != new:
            label = str(field.verbose_name).capitalize()
            changes.append(HistoryChange(label, old, new, word_diff(old, new)))
    if isinstance(newer, ItemHistory):
        for name, label in _ROWS:
            old, new = getattr(older, name), getattr(newer, name)
            if old != new:
                changes.append(HistoryChange(label, old or "none", new or "none", word_diff(old, new)))
    return changes


def who(record) -> str:
    """The person behind a change: their name; "a deleted account"; or that no account made it."""
    if record.history_user_id is None:
        return "no account (an edition file or a command)"
    user = record.history_user
    return person_name(user) if user is not None else DELETED_ACCOUNT


class ReadableHistory:
    """Admin mixin: the History page in full, for every content model."""

    object_history_list_template = "admin/content/history_list.html"

    def history_words(self) -> Callable[[str, Any], str | None] | None:
        """How the model's fields stored as codes read on its History page (None: as stored)."""
        return None

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        # The page's oldest record is compared with the one before it (simple-history's prev_record).
        earlier = records[-1].prev_record if records else None
        names: dict = {}
        users: dict = {}
        words = self.history_words()
        for index, record in enumerate(records):
            older = records[index + 1] if index + 1 < len(records) else earlier
            record.readable_changes = record_changes(record, older, names, words) if older is not None else []
            record.is_first = older is None
            if record.history_user_id not in users:
                users[record.history_user_id] = who(record)
            record.who = users[record.history_user_id]
