"""The JSON API's response bodies as pydantic models: the one definition of their shape.

Each body is a ``TypedDict`` that pydantic validates (a ``TypeAdapter``): its fields, their types,
descriptions and choices, in the order the JSON gives them. ``plan_json.plan_to_dict`` builds the
200 body of ``POST /api/v1/plan`` (and of ``manage.py plan --json``) by validating it as a ``Plan``,
``api`` its refusals as an ``Error``, ``ratelimits`` its 429 as a ``RateLimited``: what is sent has
been checked against these models. The OpenAPI document's schemas for these bodies are the models'
JSON Schema (``response_schemas``), not written again by hand.

TypedDicts rather than ``BaseModel`` classes, because the plan is on the API's hot path: validating
one returns the JSON's own dicts, in the order the fields are declared here, with no model instance
to build and then dump again. For the first edition's plans that adds about 25 µs to building the
dicts, where validating into models and dumping them added about 60, and constructing the models one
by one about 100. Every object is closed: no property that is not declared, every declared one
present. Types are strict, as in edition_schema (a number is not ``"3"``, a list is not a tuple), and
a stored choice (a status, a section...) must be one of its values.

Two parts depend on the edition's questions: which question a ``why`` row names, and the treatments
a statement names (the values of the treatments question). The models type both as text with a mark
(``QuestionKey``, ``TreatmentKey``), and ``response_schemas(vocabulary)`` is the one place that turns
each mark into the edition's enum. One set of models rather than one per vocabulary (``create_model``):
their validators are built once, not per edition and revision. So validation does not check those two
values against the edition's questions; both come from the edition's own snapshot, whose conditions and
treatments were checked against its questions when it was loaded (and a ``why`` row's text is written
by its question, which must exist).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Annotated, Any, Literal, TypedDict

from pydantic import ConfigDict, Field, TypeAdapter, with_config
from pydantic.json_schema import GenerateJsonSchema

from bme_wizard.content.models import Certainty, EditionStatus, ReferenceKind, ReviewStatus, Section, Strength
from bme_wizard.pathway.conditions import Operator
from bme_wizard.pathway.vocabulary import Vocabulary

REF_TEMPLATE = "#/components/schemas/{model}"
# A closed JSON object with strictly typed properties.
CLOSED = ConfigDict(extra="forbid", strict=True)

# Where the edition's questions fill in a schema: the mark's key, and what it names.
VOCABULARY_MARK = "x-bme-vocabulary"
QuestionKey = Annotated[str, Field(json_schema_extra={VOCABULARY_MARK: "questions"})]
TreatmentKey = Annotated[str, Field(json_schema_extra={VOCABULARY_MARK: "treatments"})]


def _values(choices: Any) -> Any:
    """The values of a stored choice (e.g. ``Section``) as a ``Literal``: checked as text, in pydantic's core."""
    return Literal[tuple(choice.value for choice in choices)]


ReviewStatusValue = _values(ReviewStatus)
Number = Annotated[int, Field(ge=1)]
Citations = Annotated[list[Number], Field(description="Numbers in the plan's reference list.")]


@with_config(CLOSED)
class Why(TypedDict):
    """An answer that made an item apply: the condition it met, as data and in words."""

    question: QuestionKey
    operator: _values(Operator)
    value: str | int | list[str] | None
    text: str


WhyRows = Annotated[
    list[Why], Field(description="The answers that made this apply. Empty: it applies to every patient.")
]


@with_config(CLOSED)
class Edition(TypedDict):
    number: Number
    label: str
    title: str
    status: _values(EditionStatus)
    current: Annotated[bool, Field(description="False when a newer edition has been published.")]
    updated_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    last_updated: Annotated[
        str,
        Field(
            description="When the content was last updated (YYYY-MM-DD): its source's date, or the publication "
            "date. Empty for an unpublished draft."
        ),
    ]
    source_note: Annotated[str, Field(description="Markdown: where the content comes from.")]
    publication_note: Annotated[str, Field(description="Markdown: what this edition changed and why.")]


@with_config(CLOSED)
class Pathway(TypedDict):
    id: int
    key: str
    title: str
    summary: str
    review_status: ReviewStatusValue
    why: WhyRows
    citations: Citations


@with_config(CLOSED)
class PlanSection(TypedDict):
    key: _values(Section)
    label: str


@with_config(CLOSED)
class Statement(TypedDict):
    """What every statement of a plan says: its text, review, why it applies and its sources."""

    id: int
    key: str
    text: Annotated[str, Field(description="Markdown, for clinicians.")]
    plain_text: Annotated[str, Field(description="Markdown, in plain language for patients.")]
    review_status: ReviewStatusValue
    why: WhyRows
    citations: Citations
    caution: Annotated[
        str,
        Field(
            description="Markdown, for clinicians: a short caution to show under the statement while the board "
            "has its evidence in doubt (for example a figure the evidence check could not confirm). Empty when none."
        ),
    ]
    caution_citations: Citations


@with_config(CLOSED)
class Pitfall(Statement):
    """A pitfall to avoid."""


@with_config(CLOSED)
class _Placed(Statement):
    """A recommendation's place in the plan (what Recommendation and AlreadyTried share; not a body itself)."""

    pathway: str
    section: _values(Section)
    strength: _values(Strength)
    certainty: _values(Certainty)


@with_config(CLOSED)
class Recommendation(_Placed):
    """A recommendation of the plan, in its pathway and section."""

    treatments: list[TreatmentKey]
    tried: Annotated[bool, Field(description="One of its treatments has already been tried.")]
    tried_treatments: Annotated[
        list[TreatmentKey], Field(description="Its treatments that are among treatments_tried.")
    ]


@with_config(CLOSED)
class AlreadyTried(_Placed):
    """A recommendation every one of whose treatments has been tried."""

    treatments: Annotated[list[TreatmentKey], Field(min_length=1)]
    tried: Annotated[Literal[True], Field(description="Always true here.")]
    tried_treatments: Annotated[
        list[TreatmentKey], Field(min_length=1, description="Its treatments, every one among treatments_tried.")
    ]
    tried_text: Annotated[
        str,
        Field(
            description="Markdown, for clinicians: the edition's own wording for this statement once its "
            "treatments have been tried. Empty when the edition has none."
        ),
    ]


@with_config(CLOSED)
class NumberedReference(TypedDict):
    number: Number
    id: int
    key: str
    kind: _values(ReferenceKind)
    citation: str
    incomplete: Annotated[bool, Field(description="The record lacks bibliographic details.")]


@with_config(CLOSED)
class Plan(TypedDict):
    """The plan for one patient's answers."""

    edition: Edition
    pending_review: Annotated[
        bool, Field(description="True when anything shown is not yet approved by the medical advisory board.")
    ]
    answers: Annotated[dict[str, Any], Field(description="The answers as evaluated (questions not asked removed).")]
    pathways: list[Pathway]
    sections: Annotated[
        list[PlanSection], Field(description="The sections that have recommendations, in editorial order.")
    ]
    recommendations: Annotated[
        list[Recommendation],
        Field(
            description="What the plan advises, in plan order: by section, then editorial order. A statement all "
            "of whose treatments were already tried is not here but in already_tried; one with only some of them "
            "tried is here, and names them in tried_treatments."
        ),
    ]
    already_tried: Annotated[
        list[AlreadyTried],
        Field(
            description="Statements every one of whose treatments is among the answers' treatments_tried, in the "
            "order they would have had among the recommendations: shown as tried, not advised again. Show "
            "tried_text where it is given; otherwise the treatments as tried, and the statement's text only as "
            "what was previously advised. A statement that names no treatment is never here."
        ),
    ]
    pitfalls: list[Pitfall]
    references: Annotated[list[NumberedReference], Field(description="Numbered 1, 2, 3… in order of first citation.")]


@with_config(CLOSED)
class Error(TypedDict):
    """A refused request: what is wrong, by field."""

    detail: str
    errors: Annotated[
        dict[str, Annotated[list[str], Field(min_length=1)]],
        Field(min_length=1, description="Field (e.g. answers.site, edition, body) to its problems."),
    ]


@with_config(CLOSED)
class RateLimited(TypedDict):
    """Too many requests from this address."""

    error: str
    retry_after: Number


# Validating a body returns it as checked: the JSON's own dicts, in the order of the fields above.
PLAN = TypeAdapter(Plan)
ERROR = TypeAdapter(Error)
RATE_LIMITED = TypeAdapter(RateLimited)
RESPONSES: dict[str, TypeAdapter[Any]] = {"Plan": PLAN, "Error": ERROR, "RateLimited": RATE_LIMITED}


class _Schema(GenerateJsonSchema):
    """The models' JSON Schema without a title for every property (the property's name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@lru_cache(maxsize=1)
def _model_schemas() -> dict[str, Any]:
    """Every body and the models they use, by name, referring to each other by ``REF_TEMPLATE``."""
    _, top = TypeAdapter.json_schemas(
        [(name, "serialization", adapter) for name, adapter in RESPONSES.items()],
        ref_template=REF_TEMPLATE,
        schema_generator=_Schema,
    )
    return top["$defs"]


def _fill_in(schema: Any, values: dict[str, list[str]]) -> None:
    if isinstance(schema, dict):
        if VOCABULARY_MARK in schema:
            schema["enum"] = values[schema.pop(VOCABULARY_MARK)]
        for value in schema.values():
            _fill_in(value, values)
    elif isinstance(schema, list):
        for value in schema:
            _fill_in(value, values)


def response_schemas(vocabulary: Vocabulary) -> dict[str, Any]:
    """The component schemas of the response bodies (``Plan``, ``Error``, ``RateLimited`` and the models they
    use) for an edition's questions: a ``why`` row names one of its questions, a statement its treatments."""
    schemas = copy.deepcopy(_model_schemas())
    _fill_in(schemas, {"questions": list(vocabulary), "treatments": [t.value for t in vocabulary.treatments]})
    return schemas
