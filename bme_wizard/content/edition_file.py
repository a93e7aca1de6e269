"""The edition file: a whole edition as one versioned, human-readable JSON document.

Records refer to each other by their stable ``key`` (citations name reference keys),
never by database ids, so a file can be read, diffed and reviewed by editors. Reading a
file validates everything first, with the same rules as admin (model validation and the
question vocabulary), and reports every problem with the record and field it concerns.

Format (``format_version`` 1)::

    {"format": "bme-wizard-edition", "format_version": 1,
     "edition": {"number": 1, "title": "...", "summary": "...", "source_note": "...", "content_date": "2025-11-04",
                 "review_status", "review_comments"},
     "questions": [{"key", "step", "kind", "label", "help_text", "options": [{"code", "label"}], "minimum",
                    "maximum", "optional", "in_wizard", "asked_when": {"question", "values"}, "review_status",
                    "review_comments"}],
     "references": [{"key", "kind", "authors", "title", "source", "year", "doi", "pmid", "url",
                     "incomplete", "incomplete_note", "review_status", "review_comments"}],
     "pathways": [{"key", "title", "summary", "match", "conditions", "citations", "review_status",
                   "review_comments", "recommendations": [{"key", "section", "text", "plain_text",
                   "tried_text", "caution", "strength", "certainty", "treatments", "match", "conditions",
                   "citations", "caution_citations", "review_status", "review_comments"}]}],
     "pitfalls": [{"key", "text", "plain_text", "caution", "match", "conditions", "citations",
                   "caution_citations", "review_status", "review_comments"}],
     "scenarios": [{"key", "title", "description", "answers", "must_show", "must_not_show",
                    "is_active"}]}

The questions are the edition's own (what the wizard asks and the API accepts), in the order
they are asked; conditions and scenarios of the file are checked against them.

Scenarios belong to the guideline rather than to one edition; loading a file adds the
scenarios it names that the database does not have yet (existing ones are left as the
editors keep them). ``must_show`` and ``must_not_show`` name items of the file.

A condition is ``{"question", "operator", "value", "group"}``; a review comment is
``{"author_name", "kind", "body", "open", "resolution"}`` (kind: confirmed, refined, not_confirmed,
not_found or editorial; a resolved comment says why). Optional fields may be left out.

A file records content, not the board's approval: an item's ``review_status`` is ``draft`` or
``submitted`` (the default), never approved, since approval is a reviewer's act in the admin
(four-eyes, evidence notes resolved). Exported files say ``submitted`` for anything past draft.

``read_edition`` reads a document; ``edition_document`` writes one from the database (the
``export_edition`` command), so that reading what was written gives the same edition. To add
a section, give it a spec in ``SPECS``, a reader in ``read_edition`` and a writer in
``_SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from bme_wizard.pathway.conditions import Condition as RuleCondition
from bme_wizard.pathway.conditions import ConditionError, parse_condition
from bme_wizard.pathway.vocabulary import STEPS, Vocabulary, question_to_data

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

FORMAT = "bme-wizard-edition"
FORMAT_VERSION = 1
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


# field name -> (accepted JSON types, required)
_TEXT = (str,)
_COMMON = {
    "key": (_TEXT, True),
    "review_status": (_TEXT, False),
    "review_comments": ((list,), False),
}
_CONDITIONAL = {**_COMMON, "match": (_TEXT, False), "conditions": ((list,), False), "citations": ((list,), False)}
_STATEMENT = {**_CONDITIONAL, "caution": (_TEXT, False), "caution_citations": ((list,), False)}
SPECS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "document": {
        "format": (_TEXT, True),
        "format_version": ((int,), True),
        "edition": ((dict,), True),
        "questions": ((list,), True),
        "references": ((list,), True),
        "pathways": ((list,), True),
        "pitfalls": ((list,), False),
        "scenarios": ((list,), False),
    },
    "edition": {
        "number": ((int,), True),
        "title": (_TEXT, True),
        "summary": (_TEXT, False),
        "source_note": (_TEXT, False),
        "content_date": (_TEXT, False),
        "review_status": (_TEXT, False),
        "review_comments": ((list,), False),
    },
    "question": {
        **_COMMON,
        "step": (_TEXT, True),
        "kind": (_TEXT, True),
        "label": (_TEXT, True),
        "help_text": (_TEXT, False),
        "options": ((list,), False),
        "minimum": ((int, type(None)), False),
        "maximum": ((int, type(None)), False),
        "optional": ((bool,), False),
        "in_wizard": ((bool,), False),
        "asked_when": ((dict, type(None)), False),
    },
    "reference": {
        **_COMMON,
        "kind": (_TEXT, True),
        "authors": (_TEXT, False),
        "title": (_TEXT, False),
        "source": (_TEXT, False),
        "year": ((int, type(None)), False),
        "doi": (_TEXT, False),
        "pmid": (_TEXT, False),
        "url": (_TEXT, False),
        "incomplete": ((bool,), False),
        "incomplete_note": (_TEXT, False),
    },
    "pathway": {**_CONDITIONAL, "title": (_TEXT, True), "summary": (_TEXT, False), "recommendations": ((list,), False)},
    "recommendation": {
        **_STATEMENT,
        "section": (_TEXT, True),
        "text": (_TEXT, True),
        "plain_text": (_TEXT, False),
        "tried_text": (_TEXT, False),
        "strength": (_TEXT, False),
        "certainty": (_TEXT, False),
        "treatments": ((list,), False),
    },
    "pitfall": {**_STATEMENT, "text": (_TEXT, True), "plain_text": (_TEXT, False)},
    "condition": {
        "question": (_TEXT, True),
        "operator": (_TEXT, True),
        "value": ((str, int, list, type(None)), False),
        "group": (_TEXT, False),
    },
    "review_comment": {
        "author_name": (_TEXT, False),
        "kind": (_TEXT, False),
        "body": (_TEXT, True),
        "open": ((bool,), False),
        "resolution": (_TEXT, False),
    },
    "scenario": {
        "key": (_TEXT, True),
        "title": (_TEXT, True),
        "description": (_TEXT, False),
        "answers": ((dict,), True),
        "must_show": ((list,), False),
        "must_not_show": ((list,), False),
        "is_active": ((bool,), False),
    },
}
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
# What a file may say of an item's review: approval is never loaded from a file.
FILE_REVIEW_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED)
# The edition header: fields of the edition itself; the others are its text (an item).
_EDITION_FIELDS = {"number"}


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.vocabulary = Vocabulary(STEPS, ())  # the file's questions, once read

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def fields(self, record: Any, spec_name: str, where: str) -> dict[str, Any] | None:
        """Check a record's shape against its spec; return its fields or None if unusable."""
        if not isinstance(record, dict):
            self.problem(where, f"expected an object, got {type(record).__name__}")
            return None
        spec = SPECS[spec_name]
        for name in record:
            if name not in spec:
                self.problem(f"{where}.{name}", f"unknown field; allowed: {', '.join(spec)}")
        out: dict[str, Any] = {}
        for name, (types, required) in spec.items():
            if name not in record:
                if required:
                    self.problem(f"{where}.{name}", "this field is required")
                continue
            value = record[name]
            # bool is an int in Python; a JSON true is not a number.
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                wanted = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                self.problem(f"{where}.{name}", f"expected {wanted}, got {type(value).__name__}")
                continue
            out[name] = value
        return out

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
        for index, row in enumerate(rows):
            row_where = f"{where}.conditions[{index}]"
            values = self.fields(row, "condition", row_where)
            if values is None:
                continue
            try:
                rule = parse_condition(
                    values.get("question", ""),
                    values.get("operator", ""),
                    values.get("value"),
                    values.get("group", ""),
                    vocabulary=self.vocabulary,
                )
            except ConditionError as error:
                self.problem(f"{row_where}.{error.field}", error.message)
                continue
            # The model's own field rules too (lengths), as admin would apply them.
            row = Condition(
                question=rule.question, operator=rule.operator.value, value=rule.value_text, group=rule.group
            )
            self.model_fields(row, row_where, exclude={"item"})
            parsed.append(rule)
        return parsed

    def comments(self, rows: list[Any], where: str) -> list[dict[str, Any]]:
        out = []
        for index, row in enumerate(rows):
            row_where = f"{where}.review_comments[{index}]"
            values = self.fields(row, "review_comment", row_where)
            if values is not None:
                values = {_RENAMED.get(name, name): value for name, value in values.items()}
                self.model_fields(ReviewComment(**values), row_where, exclude={"item", "scenario", "author"})
                out.append(values)
        return out

    def review_status(self, values: dict[str, Any], where: str) -> str:
        status = values.get("review_status", ReviewStatus.SUBMITTED)
        if status not in FILE_REVIEW_STATUSES:
            self.problem(
                f"{where}.review_status",
                f"an edition file loads items as {' or '.join(FILE_REVIEW_STATUSES)}, not {status!r}: approval is "
                "a reviewer's step in the admin, never part of a file",
            )
            return ReviewStatus.SUBMITTED
        return status

    def citations(self, values: dict[str, Any], where: str) -> list[tuple[str, str]]:
        cited = []
        for name, part in (("citations", CitationPart.STATEMENT), ("caution_citations", CitationPart.CAUTION)):
            for index, key in enumerate(values.get(name, [])):
                if isinstance(key, str):
                    cited.append((key, part))
                else:
                    self.problem(f"{where}.{name}[{index}]", "expected a reference key (text)")
        return cited


def read_edition(document: Any) -> EditionDraft:
    """Validate a parsed JSON document; return unsaved objects or raise EditionFileError."""
    reader = _Reader()
    top = reader.fields(document, "document", "file")
    if top is None:
        raise EditionFileError(reader.problems)
    if top.get("format") != FORMAT:
        reader.problem("file.format", f"expected {FORMAT!r}")
    if top.get("format_version") != FORMAT_VERSION:
        reader.problem("file.format_version", f"this version reads format_version {FORMAT_VERSION}")

    edition = Edition()
    items: list[ItemDraft] = []
    edition_fields = reader.fields(top.get("edition", {}), "edition", "edition")
    if edition_fields is not None:
        edition.number = edition_fields.get("number")
        reader.model_fields(edition, "edition", exclude={"status", "published_at", "base", "revision"})
        if "number" in edition_fields and Edition.objects.filter(number=edition_fields["number"]).exists():
            reader.problem("edition.number", f"edition {edition_fields['number']} already exists")
        text = EditionText(
            key=EDITION_TEXT_KEY,
            review_status=reader.review_status(edition_fields, "edition"),
            **{
                name: value
                for name, value in edition_fields.items()
                if name not in _EDITION_FIELDS | _STRUCTURE and name != "content_date"
            },
        )
        if "content_date" in edition_fields:
            try:
                text.content_date = date.fromisoformat(edition_fields["content_date"])
            except ValueError:
                reader.problem("edition.content_date", "expected a date as YYYY-MM-DD")
        reader.model_fields(text, "edition", exclude={"edition", "editionitem_ptr"})
        items.append(
            ItemDraft(
                instance=text,
                path="edition",
                comments=reader.comments(edition_fields.get("review_comments", []), "edition"),
            )
        )

    def read_item(record: Any, spec: str, model, where_prefix: str, order: int) -> ItemDraft | None:
        key = record.get("key") if isinstance(record, dict) else None
        where = f"{where_prefix}[{key}]" if isinstance(key, str) else f"{where_prefix}[#{order}]"
        values = reader.fields(record, spec, where)
        if values is None:
            return None
        instance = model(order=order * ORDER_STEP, review_status=reader.review_status(values, where))
        for name, value in values.items():
            if name not in _STRUCTURE:
                setattr(instance, _RENAMED.get(name, name), value)
        if spec == "question":
            _asked_when(reader, instance, values.get("asked_when"), where)
        instance.vocabulary = reader.vocabulary  # what its treatments name are checked against
        reader.model_fields(instance, where, exclude={"edition", "pathway", "editionitem_ptr"})
        draft = ItemDraft(
            instance=instance,
            path=where,
            conditions=reader.conditions(values.get("conditions", []), where),
            citations=reader.citations(values, where),
            comments=reader.comments(values.get("review_comments", []), where),
        )
        items.append(draft)
        return draft

    questions = [
        draft
        for index, record in enumerate(top.get("questions", []))
        if (draft := read_item(record, "question", Question, "questions", index + 1)) is not None
    ]
    reader.vocabulary, problems = read_vocabulary([draft.instance for draft in questions])
    for problem in problems:
        reader.problem("questions", problem)
    for index, record in enumerate(top.get("references", [])):
        read_item(record, "reference", Reference, "references", index + 1)
    for index, record in enumerate(top.get("pathways", [])):
        pathway = read_item(record, "pathway", Pathway, "pathways", index + 1)
        if pathway is None:
            continue
        recommendations = record.get("recommendations", [])
        for sub_index, sub_record in enumerate(recommendations if isinstance(recommendations, list) else []):
            recommendation = read_item(
                sub_record, "recommendation", Recommendation, f"{pathway.path}.recommendations", sub_index + 1
            )
            if recommendation is not None:
                recommendation.pathway_key = pathway.instance.key
    for index, record in enumerate(top.get("pitfalls", [])):
        read_item(record, "pitfall", Pitfall, "pitfalls", index + 1)

    _check_cross_references(reader, items)
    scenarios = _read_scenarios(reader, top.get("scenarios", []), items)
    if reader.problems:
        raise EditionFileError(reader.problems)
    return EditionDraft(edition=edition, items=items, scenarios=scenarios)


def _asked_when(reader: _Reader, question: Question, value: Any, where: str) -> None:
    """A question's "asked when" ({"question": key, "values": [codes]}) onto its two fields."""
    if value is None:
        return
    keys = set(value) if isinstance(value, dict) else set()
    if keys != {"question", "values"} or not (isinstance(value["question"], str) and isinstance(value["values"], list)):
        reader.problem(f"{where}.asked_when", 'expected {"question": a question key, "values": [option codes]}')
        return
    question.asked_when_question, question.asked_when_values = value["question"], value["values"]


def _read_scenarios(reader: _Reader, records: list[Any], items: list[ItemDraft]) -> list[Scenario]:
    known = {item.instance.key for item in items if not isinstance(item.instance, Reference)}
    scenarios, seen = [], set()
    for index, record in enumerate(records):
        key = record.get("key") if isinstance(record, dict) else None
        where = f"scenarios[{key}]" if isinstance(key, str) else f"scenarios[#{index + 1}]"
        values = reader.fields(record, "scenario", where)
        if values is None:
            continue
        scenario = Scenario(order=(index + 1) * ORDER_STEP, review_status=ReviewStatus.SUBMITTED, **values)
        # Checked against the file's items; one that must not show may be absent: then it cannot show.
        must_not_show = values.get("must_not_show")
        scenario.known_keys = known | (set(must_not_show) if isinstance(must_not_show, list) else set())
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


def _item_record(item, spec_name: str) -> dict[str, Any]:
    """One item with the fields its spec names, in the spec's order, and the rows under it."""
    spec = SPECS[spec_name]
    record: dict[str, Any] = {}
    for name in spec:
        if name not in _STRUCTURE:
            record[name] = getattr(item, _RENAMED.get(name, name))
    record["review_status"] = _file_status(item)
    if "conditions" in spec:
        record["conditions"] = [_condition_record(condition) for condition in item.conditions.all()]
    for name, part in (("citations", CitationPart.STATEMENT), ("caution_citations", CitationPart.CAUTION)):
        if name in spec:
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
    return [_item_record(reference, "reference") for reference in _items(Reference, edition)]


def _pathways(edition: Edition) -> list[dict[str, Any]]:
    recommendations: dict[int, list[dict[str, Any]]] = {}
    for recommendation in _items(Recommendation, edition):
        recommendations.setdefault(recommendation.pathway_id, []).append(_item_record(recommendation, "recommendation"))
    return [
        {**_item_record(pathway, "pathway"), "recommendations": recommendations.get(pathway.pk, [])}
        for pathway in _items(Pathway, edition)
    ]


def _pitfalls(edition: Edition) -> list[dict[str, Any]]:
    return [_item_record(pitfall, "pitfall") for pitfall in _items(Pitfall, edition)]


def _scenarios(edition: Edition) -> list[dict[str, Any]]:
    """The guideline's scenarios that can check this edition: those whose every must-show
    item is in it (of an older edition, a scenario written for later content is left out)."""
    keys = set(edition.items.exclude(reference__isnull=False).values_list("key", flat=True))
    return [
        {name: getattr(scenario, name) for name in SPECS["scenario"]}
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
