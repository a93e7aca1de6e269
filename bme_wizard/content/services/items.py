"""Operations on the items of a draft edition: add, change, remove, restore.

Each operation locks the item, checks the version the editor opened, refuses a frozen
edition, validates the whole item (its fields, its conditions against the questions, its
citations against the edition's references), and only if the content really changed:
sends a submitted or approved item back to draft, records who changed it (none of them
may approve it), writes one history record, and moves the edition's revision once.
The admin, the edition loader, the clone and the tests all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import can_proceed

from bme_wizard.pathway.answers import AnswersError, clean_answers
from bme_wizard.pathway.conditions import ConditionError, parse_condition

from ..models import (
    Citation,
    CitationPart,
    Condition,
    Edition,
    EditionItem,
    EditionText,
    Pathway,
    Pitfall,
    Question,
    Recommendation,
    Reference,
    Scenario,
    edition_touches_deferred,
    edition_vocabulary,
    read_vocabulary,
)
from ..models.items import Conditional
from .common import WorkflowError, check_not_frozen, lock_item, quiet_history, record_history, refusal, require

# Fields an editor may set on an item, beyond its kind's content fields.
_COMMON_FIELDS = ("key", "order")


def editable_fields(model: type[EditionItem]) -> tuple[str, ...]:
    names = (*_COMMON_FIELDS, *model.content_fields)
    return (*names, "match") if issubclass(model, Conditional) else names


ConditionRows = Sequence[Mapping[str, Any]]
CitationRows = Sequence[Mapping[str, Any] | str]


def _subject(item: EditionItem) -> str:
    return f"{item._meta.verbose_name.capitalize()} {item.key}" if item.key else item._meta.verbose_name.capitalize()


def _clean_conditions(item: EditionItem, rows: ConditionRows) -> list[dict[str, Any]]:
    """Rows as typed (question, operator, value, group), checked against the questions; canonical values."""
    if not isinstance(item, Conditional):
        if rows:
            raise WorkflowError(f"{_subject(item)}: references are not conditional.", code="invalid")
        return []
    problems, cleaned = [], []
    vocabulary = edition_vocabulary(item.edition_id)  # the questions of the item's own edition
    for index, row in enumerate(rows, start=1):
        try:
            rule = parse_condition(
                str(row.get("question", "")),
                str(row.get("operator", "")),
                row.get("value"),
                str(row.get("group", "")),
                vocabulary=vocabulary,
            )
        except ConditionError as error:
            problems.append(f"{_subject(item)}, condition {index} ({error.field}): {error.message}")
            continue
        candidate = Condition(
            question=rule.question, operator=rule.operator.value, value=rule.value_text, group=rule.group
        )
        try:
            candidate.clean_fields(exclude={"item"})
        except ValidationError as error:
            problems += [
                f"{_subject(item)}, condition {index} ({name}): {message}"
                for name, messages in error.message_dict.items()
                for message in messages
            ]
            continue
        cleaned.append(candidate.as_data())
    if problems:
        raise WorkflowError(problems, code="invalid")
    return cleaned


def _clean_citations(
    item: EditionItem, rows: CitationRows, references: Mapping[str, Reference]
) -> list[dict[str, str]]:
    """Rows naming references of the item's own edition by key (or as objects), each once per part."""
    if not item.has_citations:
        if rows:
            raise WorkflowError(f"{_subject(item)}: a reference cannot cite another reference.", code="invalid")
        return []
    problems, cleaned, seen = [], [], set()
    for index, row in enumerate(rows, start=1):
        if isinstance(row, str):
            row = {"reference": row}
        reference = row.get("reference")
        key = reference.key if isinstance(reference, Reference) else str(reference or "")
        part = str(row.get("part") or CitationPart.STATEMENT)
        where = f"{_subject(item)}, citation {index}"
        if part not in CitationPart.values:
            problems.append(f"{where}: cites for the statement or its caution, not {part!r}.")
        elif key not in references or (isinstance(reference, Reference) and reference.edition_id != item.edition_id):
            problems.append(f"{where}: {key or 'nothing'} is not a reference of {item.edition.label}.")
        elif references[key].is_removed:
            problems.append(f"{where}: {key} is marked for removal from this draft; restore it or cite another.")
        elif (key, part) in seen:
            problems.append(f"{where}: {key} is cited twice.")
        else:
            seen.add((key, part))
            cleaned.append({"reference": key, "part": part})
    if problems:
        raise WorkflowError(problems, code="invalid")
    return cleaned


def _apply_fields(item: EditionItem, fields: Mapping[str, Any], *, creating: bool) -> None:
    allowed = editable_fields(type(item))
    unknown = [name for name in fields if name not in allowed]
    if unknown:
        raise WorkflowError(
            f"{_subject(item)}: {', '.join(unknown)} cannot be set here; editable: {', '.join(allowed)}.",
            code="invalid",
        )
    if not creating and "key" in fields and fields["key"] != item.key and item.in_base():
        raise WorkflowError(
            f"{_subject(item)}: the key is the item's identity across editions (scenarios and saved cases use it) "
            "and cannot be renamed.",
            code="invalid",
        )
    for name, value in fields.items():
        if name == "pathway" and isinstance(value, str):
            value = Pathway.objects.filter(edition_id=item.edition_id, key=value).first()
            if value is None:
                raise WorkflowError(f"{_subject(item)} (Pathway): no pathway {fields['pathway']!r} in this edition.")
        setattr(item, name, value)


def _validate(item: EditionItem, citations: list[dict[str, str]] | None) -> None:
    """The whole item, as it would be saved: its fields, and what it refers to being part of the draft."""
    try:
        item.full_clean(exclude={"review_status", "version"})
    except ValidationError as error:
        raise refusal(error, subject=_subject(item), model=type(item)) from None
    if item.is_removed:
        return
    if isinstance(item, Recommendation) and item.pathway.is_removed:
        raise WorkflowError(f"{_subject(item)} (Pathway): {item.pathway.key} is marked for removal.", code="invalid")
    if item.has_citations and citations is None and item.pk:
        removed = sorted(item.citations.filter(reference__is_removed=True).values_list("reference__key", flat=True))
        if removed:
            raise WorkflowError(
                f"{_subject(item)} cites {', '.join(removed)}, marked for removal from this draft: restore the "
                "reference or cite another first.",
                code="invalid",
            )


def _replace_rows(item: EditionItem, conditions: list[dict[str, Any]] | None, citations: list[dict[str, str]] | None):
    if conditions is not None:
        Condition.objects.filter(item=item).delete()
        Condition.objects.bulk_create(Condition(item=item, order=index, **row) for index, row in enumerate(conditions))
    if citations is not None:
        references = {r.key: r for r in Reference.objects.filter(edition_id=item.edition_id)}
        Citation.objects.filter(item=item).delete()
        Citation.objects.bulk_create(
            Citation(item=item, reference=references[row["reference"]], part=row["part"], order=index)
            for index, row in enumerate(citations)
        )


def write_item(
    item: EditionItem,
    *,
    user,
    fields: Mapping[str, Any] | None = None,
    conditions: ConditionRows | None = None,
    citations: CitationRows | None = None,
    version: int | None = None,
    reason: str = "Changed",
    creating: bool = False,
) -> EditionItem:
    """The one write of an item's content; see the module docstring. ``None`` leaves a part as it is.

    ``user`` None: a copy the operations make themselves (clone, rebase), on nobody's behalf."""
    if user is not None:
        action = "add" if creating else "change"
        require(user, f"content.{action}_{item._meta.model_name}", f"{action} {item._meta.verbose_name_plural}")
    with transaction.atomic(), edition_touches_deferred():
        if creating:
            stored = item
            edition = Edition.objects.select_for_update().get(pk=item.edition_id)
            before = None
        else:
            stored = lock_item(item.pk)
            # Locked too, so a publication cannot slip between this check and the write.
            edition = Edition.objects.select_for_update().get(pk=stored.edition_id)
            if version is not None and stored.version != version:
                stored.version = version
                stored.check_version()  # raises the conflict, naming who saved in between
            before = stored.review_content()
        check_not_frozen(edition, _subject(stored))
        stored.edition = edition
        changing = fields or conditions is not None or citations is not None
        if not creating and stored.is_removed and changing and set(fields or {}) != {"is_removed"}:
            raise WorkflowError(f"{_subject(stored)} is marked for removal: restore it before changing it.")
        if fields:
            if "is_removed" in fields:
                stored.is_removed = fields["is_removed"]
                fields = {name: value for name, value in fields.items() if name != "is_removed"}
            _apply_fields(stored, fields, creating=creating)
        if isinstance(stored, Question) and before is not None:
            _check_question_change(stored, before)
        references = {r.key: r for r in Reference.objects.filter(edition=edition)}
        new_conditions = None if conditions is None else _clean_conditions(stored, conditions)
        new_citations = None if citations is None else _clean_citations(stored, citations, references)
        _validate(stored, new_citations)
        after = stored.review_content(conditions=new_conditions, citations=new_citations)
        if after == before:
            return stored  # nothing changed: no review step undone, no history, no revision
        if can_proceed(stored.return_to_draft):
            stored.return_to_draft()
        stored.changed_by = user
        with quiet_history(stored):
            stored.save()
        _replace_rows(stored, new_conditions, new_citations)
        if user is not None:
            stored.contributors.add(user)
        record_history([stored], user=user, reason=reason, created=creating)
        return stored


# ---------------------------------------------------------------------------------------
# The operations
# ---------------------------------------------------------------------------------------


def item_create(
    *,
    edition: Edition,
    kind: type[EditionItem],
    user,
    fields: Mapping[str, Any],
    conditions: ConditionRows = (),
    citations: CitationRows = (),
) -> EditionItem:
    """Add an item of ``kind`` (Question, Pathway, Recommendation, Pitfall or Reference) to a draft edition,
    as a draft."""
    if kind not in (Question, Pathway, Recommendation, Pitfall, Reference):
        raise WorkflowError("An edition's items are questions, pathways, recommendations, pitfalls and references.")
    key = fields.get("key", "")
    if key and EditionItem.objects.filter(edition=edition, key=key).exists():
        removed = EditionItem.objects.filter(edition=edition, key=key, is_removed=True).exists()
        hint = " It is marked for removal: restore it instead." if removed else ""
        raise WorkflowError(f"{edition.label} already has an item with the key {key}.{hint}", code="invalid")
    item = kind(edition=edition)
    return write_item(
        item, user=user, fields=fields, conditions=conditions, citations=citations, reason="Added", creating=True
    )


def item_change(
    *,
    item: EditionItem,
    user,
    fields: Mapping[str, Any] | None = None,
    conditions: ConditionRows | None = None,
    citations: CitationRows | None = None,
    version: int | None = None,
) -> EditionItem:
    """Change an item's fields, conditions and citations in one step (``None``: leave that part as it is)."""
    return write_item(item, user=user, fields=fields, conditions=conditions, citations=citations, version=version)


def edition_text_change(*, edition: Edition, user, fields: Mapping[str, Any], version: int | None = None):
    """Change the edition's own text (title, summary, source note, content date): reviewed like an item."""
    return write_item(edition.text, user=user, fields=fields, version=version)


def item_remove(*, item: EditionItem, user, version: int | None = None) -> EditionItem | None:
    """Remove an item from a draft. An item the base edition has is marked removed, a change reviewed
    like an edit; an item added in this draft is deleted outright (clinicians never saw it).
    Refused while other live items depend on it (a pathway's statements, a reference's citations)."""
    if user is not None:
        require(user, f"content.delete_{item._meta.model_name}", f"remove {item._meta.verbose_name_plural}")
    with transaction.atomic(), edition_touches_deferred():
        stored = lock_item(item.pk)
        stored.edition = Edition.objects.select_for_update().get(pk=stored.edition_id)  # as write_item does
        check_not_frozen(stored.edition, _subject(stored))
        if isinstance(stored, EditionText):
            raise WorkflowError("An edition always has its text; change it instead.", code="invalid")
        if stored.is_removed:
            return stored
        dependants = _dependants(stored)
        if dependants:
            raise WorkflowError(
                f"{_subject(stored)} cannot be removed while these use it: {', '.join(dependants)}. "
                "Remove or change them first.",
                code="in_use",
            )
        if not stored.in_base():
            marked = _dependants(stored, removed_too=True)
            if marked:
                raise WorkflowError(
                    f"{_subject(stored)} was added in this draft, but these still refer to it: {', '.join(marked)} "
                    "(some marked for removal). Change them first.",
                    code="in_use",
                )
            stored.delete()
            return None
        return write_item(stored, user=user, fields={"is_removed": True}, version=version, reason="Marked for removal")


def item_restore(*, item: EditionItem, user, version: int | None = None) -> EditionItem:
    """Take back a removal: the item is part of the draft again (a change, reviewed like any other)."""
    return write_item(item, user=user, fields={"is_removed": False}, version=version, reason="Restored")


def _dependants(item: EditionItem, *, removed_too: bool = False) -> list[str]:
    """The items that use ``item``: a pathway's statements, a reference's citing items (live ones, or with
    ``removed_too`` those marked for removal as well, which are still records of the draft)."""
    if isinstance(item, Pathway):
        statements = item.recommendations.all() if removed_too else item.recommendations.filter(is_removed=False)
        return sorted(statements.values_list("key", flat=True))
    if isinstance(item, Reference):
        citing = item.cited_by.all() if removed_too else item.cited_by.filter(item__is_removed=False)
        return sorted(set(citing.values_list("item__key", flat=True)))
    if isinstance(item, Question):
        return question_users(item, removed_too=removed_too)
    return []


def question_users(question: Question, *, removed_too: bool = False) -> list[str]:
    """What names a question of a draft: its items' conditions, questions asked when it has an answer,
    and the scenarios that answer it (a scenario is the guideline's, shared by every edition)."""
    conditions = Condition.objects.filter(item__edition_id=question.edition_id, question=question.key)
    if not removed_too:
        conditions = conditions.filter(item__is_removed=False)
    asked = Question.objects.filter(edition_id=question.edition_id, asked_when_question=question.key)
    if not removed_too:
        asked = asked.filter(is_removed=False)
    users = {*conditions.values_list("item__key", flat=True), *asked.values_list("key", flat=True)}
    scenarios = [f"scenario {s.key}" for s in Scenario.objects.order_by("key") if question.key in (s.answers or {})]
    return [*sorted(users), *scenarios]


def _check_question_change(question: Question, before: Mapping[str, Any]) -> None:
    """A question's key is a contract, and what names it must still fit it: a changed question (its
    options, kind or range) is refused, with the list of what it would break, while the draft's
    conditions or the scenarios use what it takes away."""
    if before["key"] != question.key:
        was = Question(edition_id=question.edition_id, key=before["key"])
        users = question_users(was, removed_too=True)
        if was.in_base() or users:
            raise WorkflowError(
                f"Question “{question.label}”: its key {before['key']} cannot change; saved assessments"
                + (f" and {', '.join(users)}" if users else "")
                + " name it. Add a new question instead.",
                code="in_use",
            )
    others = list(Question.objects.filter(edition_id=question.edition_id).exclude(pk=question.pk))
    after, _ = read_vocabulary([*others, question])
    broken = []
    for row in Condition.objects.filter(item__edition_id=question.edition_id, question=question.key).select_related(
        "item"
    ):
        try:
            row.as_rule(after)
        except ConditionError as error:
            broken.append(f"{row.item.key} ({error.message})")
    for scenario in Scenario.objects.order_by("key"):
        if question.key not in (scenario.answers or {}):
            continue
        try:
            clean_answers(scenario.answers, vocabulary=after, check_consistency=False)
        except AnswersError as error:
            if question.key in error.errors:
                broken.append(f"scenario {scenario.key} ({' '.join(error.errors[question.key])})")
    if broken:
        raise WorkflowError(
            f"Question “{question.label}” ({question.key}): this change would break what uses it: "
            f"{'; '.join(broken)}. Change those first.",
            code="in_use",
        )
