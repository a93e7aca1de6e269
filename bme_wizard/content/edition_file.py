"""The edition file: a whole edition as one versioned, human-readable JSON document.

Records refer to each other by their stable ``key`` (citations name reference keys),
never by database ids, so a file can be read, diffed and reviewed by editors. Reading a
file validates everything first, with the same rules as admin (model validation and the
question vocabulary), and reports every problem with the record and field it concerns.

The format (``format_version`` 1) is described by the pydantic models of ``edition_schema``:
an ``EditionFile`` holds the ``edition`` (its number and text), its ``questions``,
``references``, ``pathways`` (each with its ``recommendations``), ``pitfalls`` and
``scenarios``; its JSON Schema is ``docs/edition-file.schema.json``. Reading checks the
document against the schema first, then builds the items and checks them as admin would.
Every problem is reported at once: a value the schema refuses is reported and left out,
and reading goes on with the rest.

The questions are the edition's own (what the wizard asks and the API accepts), in the order
they are asked; conditions and scenarios of the file are checked against them.

Scenarios belong to the guideline rather than to one edition; loading a file adds the
scenarios it names that the database does not have yet (existing ones are left as the
editors keep them). ``must_show`` and ``must_not_show`` name items of the file.

A file records content, not the board's approval: an item's ``review_status`` is ``draft`` or
``submitted`` (the default), never approved, since approval is a reviewer's act in the admin
(four-eyes, evidence notes resolved). Exported files say ``submitted`` for anything past draft.

``read_edition`` reads a document; ``edition_document`` writes one from the database (the
``export_edition`` command), so that reading what was written gives the same edition. To add
a section, give it a record model and a field of ``EditionFile`` in ``edition_schema``, a
reader in ``read_edition`` and a writer in ``_SECTIONS``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

import pydantic
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from pydantic_core import ErrorDetails

from bme_wizard.pathway.conditions import Condition as RuleCondition
from bme_wizard.pathway.conditions import ConditionError, parse_condition
from bme_wizard.pathway.vocabulary import STEPS, Vocabulary, question_to_data

from .edition_schema import (
    FORMAT,
    FORMAT_VERSION,
    EditionFile,
    ItemRecord,
    PathwayRecord,
    PitfallRecord,
    RecommendationRecord,
    ReferenceRecord,
    ScenarioRecord,
    json_kind,
)
from .models import (
    EDITION_TEXT_KEY,
    Citation,
    CitationPart,
    Condition,
    Edition,
    EditionText,
    Pathway,
    Pitfall,
    Question,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
    Scenario,
    in_asked_order,
    read_vocabulary,
)

ORDER_STEP = 10


class EditionFileError(Exception):
    """An edition file that cannot be loaded; ``problems`` lists every "where: what"."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ItemDraft:
    """An unsaved item with the rows that hang off it."""

    instance: EditionText | Question | Reference | Pathway | Recommendation | Pitfall
    path: str
    conditions: list[RuleCondition] = field(default_factory=list)
    citations: list[tuple[str, str]] = field(default_factory=list)  # (reference key, part)
    comments: list[dict[str, Any]] = field(default_factory=list)
    pathway_key: str | None = None


@dataclass
class EditionDraft:
    edition: Edition
    items: list[ItemDraft]
    scenarios: list[Scenario] = field(default_factory=list)


# JSON field -> model field, where they differ.
_RENAMED = {"incomplete": "is_incomplete", "open": "is_open"}
# Fields that are structure, not model fields.
_STRUCTURE = {
    "review_comments",
    "conditions",
    "citations",
    "caution_citations",
    "recommendations",
    "review_status",
    "asked_when",
}
# The edition header: fields of the edition itself; the others are its text (an item).
_EDITION_FIELDS = {"number"}


# ---------------------------------------------------------------------------------------
# The schema's refusals in the file's words
# ---------------------------------------------------------------------------------------

# Lists whose records problems name by key (``pathways[workup]``); other lists' elements by index.
_KEYED_LISTS = frozenset({"questions", "references", "pathways", "recommendations", "pitfalls", "scenarios"})
# Lists whose elements problems name by key or by place: a refused one keeps its place (see _without).
_NUMBERED_LISTS = _KEYED_LISTS | {"conditions", "review_comments"}
# What a refused value should have been, by pydantic's error type.
_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "date_type": "a date as YYYY-MM-DD",
}


def _record_where(prefix: str, record: Any, position: int) -> str:
    """A record of a list as problems name it: by its key, or by its place (from 1) if it has none."""
    key = record.get("key") if isinstance(record, dict) else None
    return f"{prefix}[{key}]" if isinstance(key, str) else f"{prefix}[#{position}]"


def _where(document: Any, loc: tuple[int | str, ...]) -> str:
    """Where a refused value is: ``file.format_version``, ``edition.title``,
    ``pathways[workup].recommendations[workup-mri].conditions[0].value``."""
    if len(loc) < 2:  # the document, or one of its fields
        return ".".join(["file", *map(str, loc)])
    where, node, name = "", document, ""
    for step in loc:
        if isinstance(step, int):
            node = node[step]
            where = _record_where(where, node, step + 1) if name in _KEYED_LISTS else f"{where}[{step}]"
        else:
            where, name = (f"{where}.{step}" if where else step), step
            node = node.get(step) if isinstance(node, dict) else None
    return where


def _fields_of(loc: tuple[int | str, ...]) -> list[str]:
    """The fields the schema allows in the record at ``loc``."""
    record: type[pydantic.BaseModel] = EditionFile
    for step in loc:
        if isinstance(step, str):
            annotation = record.model_fields[step].annotation  # a record, a list of them, or one or None
            record = next(
                kind
                for kind in (annotation, *get_args(annotation))
                if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel)
            )
    return list(record.model_fields)


def _in_words(refusal: ErrorDetails) -> str:
    kind = refusal["type"]
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return f"unknown field; allowed: {', '.join(_fields_of(refusal['loc'][:-1]))}"
    if kind == "literal_error":
        return f"expected {refusal['ctx']['expected']}, got {refusal['input']!r}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {json_kind(refusal['input'])}"
    return refusal["msg"]  # the schema's own words (format version, review status, date, condition value)


def _without(document: dict[str, Any], refusals: list[ErrorDetails]) -> dict[str, Any]:
    """A copy of the document without the values the schema refused, so that reading can go on
    to the problems the schema cannot see. A refused field is left out of its record, a refused
    element out of its list; in a list whose elements problems name by number, None keeps its
    place instead, so that the others keep their numbers."""
    kept = copy.deepcopy(document)
    for refusal in reversed(refusals):  # the later elements of a list first, so indexes hold
        if refusal["type"] == "missing":
            continue
        *parents, last = refusal["loc"]
        container: Any = kept
        for step in parents:
            container = container[step]
        if isinstance(container, dict):
            container.pop(last, None)
        elif parents[-1] in _NUMBERED_LISTS:
            container[last] = None
        else:
            del container[last]
    return kept


def _kept(rows: list[Any]) -> Iterator[tuple[int, Any]]:
    """The records or rows of a list with their index, less those the schema refused (None)."""
    return ((index, row) for index, row in enumerate(rows) if row is not None)


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.vocabulary = Vocabulary(STEPS, ())  # the file's questions, once read

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def shaped(self, document: Any) -> dict[str, Any] | None:
        """Check the document against the schema, reporting every refusal; return what is left to
        read (the document less the refused values), or None if nothing is."""
        try:
            EditionFile.model_validate(document)
        except pydantic.ValidationError as error:
            refusals = error.errors()
        else:
            return document
        for refusal in refusals:
            self.problem(_where(document, refusal["loc"]), _in_words(refusal))
        return _without(document, refusals) if isinstance(document, dict) else None

    def model_fields(self, instance, where: str, exclude: set[str]) -> None:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                place = where if name == "__all__" else f"{where}.{name}"
                for message in messages:
                    self.problem(place, message)

    def conditions(self, rows: list[Any], where: str) -> list[RuleCondition]:
        parsed = []
        for index, row in _kept(rows):
            row_where = f"{where}.conditions[{index}]"
            try:
                rule = parse_condition(
                    row.get("question", ""),
                    row.get("operator", ""),
                    row.get("value"),
                    row.get("group", ""),
                    vocabulary=self.vocabulary,
                )
            except ConditionError as error:
                self.problem(f"{row_where}.{error.field}", error.message)
                continue
            # The model's own field rules too (lengths), as admin would apply them.
            condition = Condition(
                question=rule.question, operator=rule.operator.value, value=rule.value_text, group=rule.group
            )
            self.model_fields(condition, row_where, exclude={"item"})
            parsed.append(rule)
        return parsed

    def comments(self, rows: list[Any], where: str) -> list[dict[str, Any]]:
        out = []
        for index, row in _kept(rows):
            values = {_RENAMED.get(name, name): value for name, value in row.items()}
            self.model_fields(
                ReviewComment(**values), f"{where}.review_comments[{index}]", exclude={"item", "scenario", "author"}
            )
            out.append(values)
        return out


def _citations(values: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (key, part)
        for name, part in (("citations", CitationPart.STATEMENT), ("caution_citations", CitationPart.CAUTION))
        for key in values.get(name, [])
    ]


def read_edition(document: Any) -> EditionDraft:
    """Validate a parsed JSON document; return unsaved objects or raise EditionFileError."""
    reader = _Reader()
    top = reader.shaped(document)
    if top is None:
        raise EditionFileError(reader.problems)

    edition = Edition()
    items: list[ItemDraft] = []
    header = top.get("edition")
    if header is not None:
        edition.number = header.get("number")
        reader.model_fields(edition, "edition", exclude={"status", "published_at", "base", "revision"})
        if "number" in header and Edition.objects.filter(number=header["number"]).exists():
            reader.problem("edition.number", f"edition {header['number']} already exists")
        text = EditionText(
            key=EDITION_TEXT_KEY,
            review_status=header.get("review_status", ReviewStatus.SUBMITTED),
            **{name: value for name, value in header.items() if name not in _EDITION_FIELDS | _STRUCTURE},
        )
        # Model validation also reads the content date from its text (the schema checked it is a date).
        reader.model_fields(text, "edition", exclude={"edition", "editionitem_ptr"})
        items.append(
            ItemDraft(
                instance=text, path="edition", comments=reader.comments(header.get("review_comments", []), "edition")
            )
        )

    def read_item(record: dict[str, Any], model, prefix: str, position: int) -> ItemDraft:
        where = _record_where(prefix, record, position)
        instance = model(order=position * ORDER_STEP, review_status=record.get("review_status", ReviewStatus.SUBMITTED))
        for name, value in record.items():
            if name not in _STRUCTURE:
                setattr(instance, _RENAMED.get(name, name), value)
        if model is Question:
            _asked_when(instance, record.get("asked_when"))
        instance.vocabulary = reader.vocabulary  # what its treatments name are checked against
        reader.model_fields(instance, where, exclude={"edition", "pathway", "editionitem_ptr"})
        draft = ItemDraft(
            instance=instance,
            path=where,
            conditions=reader.conditions(record.get("conditions", []), where),
            citations=_citations(record),
            comments=reader.comments(record.get("review_comments", []), where),
        )
        items.append(draft)
        return draft

    questions = [
        read_item(record, Question, "questions", index + 1) for index, record in _kept(top.get("questions", []))
    ]
    reader.vocabulary, problems = read_vocabulary([draft.instance for draft in questions])
    for problem in problems:
        reader.problem("questions", problem)
    for index, record in _kept(top.get("references", [])):
        read_item(record, Reference, "references", index + 1)
    for index, record in _kept(top.get("pathways", [])):
        pathway = read_item(record, Pathway, "pathways", index + 1)
        for sub_index, sub_record in _kept(record.get("recommendations", [])):
            recommendation = read_item(sub_record, Recommendation, f"{pathway.path}.recommendations", sub_index + 1)
            recommendation.pathway_key = pathway.instance.key
    for index, record in _kept(top.get("pitfalls", [])):
        read_item(record, Pitfall, "pitfalls", index + 1)

    _check_cross_references(reader, items)
    scenarios = _read_scenarios(reader, top.get("scenarios", []), items)
    if reader.problems:
        raise EditionFileError(reader.problems)
    return EditionDraft(edition=edition, items=items, scenarios=scenarios)


def _asked_when(question: Question, value: dict[str, Any] | None) -> None:
    """A question's "asked when" ({"question": key, "values": [codes]}) onto its two fields."""
    if value is not None:
        question.asked_when_question = value.get("question", "")
        question.asked_when_values = value.get("values", [])


def _read_scenarios(reader: _Reader, records: list[Any], items: list[ItemDraft]) -> list[Scenario]:
    known = {item.instance.key for item in items if not isinstance(item.instance, Reference)}
    scenarios, seen = [], set()
    for index, record in _kept(records):
        where = _record_where("scenarios", record, index + 1)
        scenario = Scenario(order=(index + 1) * ORDER_STEP, review_status=ReviewStatus.SUBMITTED, **record)
        # Checked against the file's items; one that must not show may be absent: then it cannot show.
        scenario.known_keys = known | set(record.get("must_not_show", []))
        scenario.vocabulary = reader.vocabulary
        reader.model_fields(scenario, where, exclude={"changed_by"})
        if scenario.key in seen:
            reader.problem(f"{where}.key", "duplicate scenario key")
        seen.add(scenario.key)
        scenarios.append(scenario)
    return scenarios


def _check_cross_references(reader: _Reader, items: list[ItemDraft]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        key = item.instance.key
        if key in seen:
            reader.problem(f"{item.path}.key", f"duplicate key; also used by {seen[key]}")
        else:
            seen[key] = item.path
    reference_keys = {item.instance.key for item in items if isinstance(item.instance, Reference)}
    for item in items:
        positions: dict[str, int] = {}
        for cited, part in item.citations:
            name = "citations" if part == CitationPart.STATEMENT else "caution_citations"
            index = positions[name] = positions.get(name, -1) + 1
            if cited not in reference_keys:
                reader.problem(f"{item.path}.{name}[{index}]", f"no reference with key {cited!r}")
        if len(set(item.citations)) != len(item.citations):
            reader.problem(f"{item.path}.citations", "a reference is cited twice")
        statement_citations = [key for key, part in item.citations if part == CitationPart.STATEMENT]
        if isinstance(item.instance, (Recommendation, Pitfall)) and not statement_citations:
            reader.problem(f"{item.path}.citations", "every statement must cite at least one reference")
        if isinstance(item.instance, (Recommendation, Pitfall)):
            has_caution_sources = any(part == CitationPart.CAUTION for _, part in item.citations)
            if item.instance.caution.strip() and not has_caution_sources:
                reader.problem(f"{item.path}.caution_citations", "a caution cites the sources it rests on")


def describe_problems(error: EditionFileError) -> str:
    count = len(error.problems)
    header = f"The edition file has {count} problem{'s' if count != 1 else ''}; nothing was loaded."
    return "\n".join([header, *(f"  - {p}" for p in error.problems)])


def document_counts(draft: EditionDraft) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for item in draft.items:
        name = type(item.instance)._meta.verbose_name_plural
        counts[name] = counts.get(name, 0) + 1
    return counts


# ---------------------------------------------------------------------------------------
# Writing: the inverse of read_edition
# ---------------------------------------------------------------------------------------


def _condition_record(condition: Condition) -> dict[str, Any]:
    rule = condition.as_rule()
    record: dict[str, Any] = {"question": rule.question, "operator": rule.operator.value}
    if rule.value is not None:
        record["value"] = list(rule.value) if isinstance(rule.value, tuple) else rule.value
    if rule.group:
        record["group"] = rule.group
    return record


def _comment_record(comment: ReviewComment) -> dict[str, Any]:
    # An account's name, not the account: accounts do not travel with the file.
    record: dict[str, Any] = {
        "author_name": comment.byline if comment.author_id else comment.author_name,
        "kind": comment.kind,
        "body": comment.body,
    }
    if not comment.is_open:
        record.update({"open": False, "resolution": comment.resolution})
    return record


def _file_status(item) -> str:
    return ReviewStatus.DRAFT if item.review_status == ReviewStatus.DRAFT else ReviewStatus.SUBMITTED


def _item_record(item, kind: type[ItemRecord]) -> dict[str, Any]:
    """One item with the fields of its kind of record, in the record's order, and the rows under it."""
    fields = kind.model_fields
    record: dict[str, Any] = {}
    for name in fields:
        if name not in _STRUCTURE:
            record[name] = getattr(item, _RENAMED.get(name, name))
    record["review_status"] = _file_status(item)
    if "conditions" in fields:
        record["conditions"] = [_condition_record(condition) for condition in item.conditions.all()]
    for name, part in (("citations", CitationPart.STATEMENT), ("caution_citations", CitationPart.CAUTION)):
        if name in fields:
            record[name] = [citation.reference.key for citation in item.citations.all() if citation.part == part]
    record["review_comments"] = [_comment_record(comment) for comment in item.review_comments.all()]
    return record


def _items(model, edition: Edition):
    """The edition's items of one kind (those not marked removed), in editorial order, rows fetched in bulk."""
    return (
        model.objects.filter(edition=edition, is_removed=False)
        .order_by("order", "key")
        .prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("order", "pk")),
            Prefetch(
                "citations", queryset=Citation.objects.select_related("reference").order_by("part", "order", "pk")
            ),
            Prefetch("review_comments", queryset=ReviewComment.objects.select_related("author")),
        )
    )


def _questions(edition: Edition) -> list[dict[str, Any]]:
    """The edition's questions in the order they are asked, each as the engine reads it."""
    records = []
    for question in in_asked_order(_items(Question, edition)):
        record = question_to_data(question.as_question())
        record["review_status"] = _file_status(question)
        record["review_comments"] = [_comment_record(comment) for comment in question.review_comments.all()]
        records.append(record)
    return records


def _references(edition: Edition) -> list[dict[str, Any]]:
    return [_item_record(reference, ReferenceRecord) for reference in _items(Reference, edition)]


def _pathways(edition: Edition) -> list[dict[str, Any]]:
    recommendations: dict[int, list[dict[str, Any]]] = {}
    for recommendation in _items(Recommendation, edition):
        recommendations.setdefault(recommendation.pathway_id, []).append(
            _item_record(recommendation, RecommendationRecord)
        )
    return [
        {**_item_record(pathway, PathwayRecord), "recommendations": recommendations.get(pathway.pk, [])}
        for pathway in _items(Pathway, edition)
    ]


def _pitfalls(edition: Edition) -> list[dict[str, Any]]:
    return [_item_record(pitfall, PitfallRecord) for pitfall in _items(Pitfall, edition)]


def _scenarios(edition: Edition) -> list[dict[str, Any]]:
    """The guideline's scenarios that can check this edition: those whose every must-show
    item is in it (of an older edition, a scenario written for later content is left out)."""
    keys = set(edition.items.exclude(reference__isnull=False).values_list("key", flat=True))
    return [
        {name: getattr(scenario, name) for name in ScenarioRecord.model_fields}
        for scenario in Scenario.objects.order_by("order", "key")
        if set(scenario.must_show) <= keys
    ]


# The document's sections after its header, in the file's order.
_SECTIONS: list[tuple[str, Callable[[Edition], list[dict[str, Any]]]]] = [
    ("questions", _questions),
    ("references", _references),
    ("pathways", _pathways),
    ("pitfalls", _pitfalls),
    ("scenarios", _scenarios),
]


def edition_document(edition: Edition) -> dict[str, Any]:
    """The whole edition as an edition file: what ``read_edition`` reads back into the same edition.

    Items come in editorial order (their ``order`` becomes their place in the file); the
    edition's status is not part of the file, which ``load_edition --publish`` decides.
    """
    text = edition.text
    header: dict[str, Any] = {"number": edition.number, "title": text.title, "summary": text.summary}
    header["source_note"] = text.source_note
    if text.content_date:
        header["content_date"] = text.content_date.isoformat()
    header["review_status"] = _file_status(text)
    header["review_comments"] = [_comment_record(comment) for comment in text.review_comments.all()]
    document: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "edition": header}
    for name, write in _SECTIONS:
        document[name] = write(edition)
    return document
