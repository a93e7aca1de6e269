"""The shape of an edition file, as pydantic models: one model per kind of record.

Pure pydantic, no Django: what the file may hold and of which JSON type, which fields are
required and what an absent one means. JSON types are strict, as in the file's JSON (a
number is not ``"3"``, ``true`` is not ``1``), and a field the format does not know is
refused. The rules of the content itself (lengths, choices such as a strength, conditions
against the file's questions, citations naming its references) are not here: the edition
file's reader applies them with the content model's own validation (``edition_file``).

Field names are the file's names; defaults are those of the content model.
``edition_file_schema()`` is the JSON Schema of the whole file, kept in
``docs/edition-file.schema.json`` (``manage.py edition_schema`` prints it).
"""

from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

FormatName = Literal["bme-wizard-edition"]
FORMAT: FormatName = "bme-wizard-edition"
FORMAT_VERSION = 1
# What a file may say of an item's review: approval is never loaded from a file.
FileReviewStatusName = Literal["draft", "submitted"]
FILE_REVIEW_STATUSES: tuple[str, ...] = get_args(FileReviewStatusName)


def _readable_version(version: int) -> int:
    if version != FORMAT_VERSION:
        raise PydanticCustomError(
            "format_version", "this version reads format_version {version}", {"version": FORMAT_VERSION}
        )
    return version


def _file_review_status(status: Any) -> Any:
    if status not in FILE_REVIEW_STATUSES:
        raise PydanticCustomError(
            "file_review_status",
            "an edition file loads items as {allowed}, not {status}: approval is a reviewer's step in the admin, "
            "never part of a file",
            {"allowed": " or ".join(FILE_REVIEW_STATUSES), "status": repr(status)},
        )
    return status


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("iso_date", "expected a date as YYYY-MM-DD") from None
    return value  # anything else is refused as not a date


def _condition_value(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # One refusal for the value, rather than one for each kind of value it is not.
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "condition_value_type",
            "expected text, a whole number, a list or null, got {got}",
            {"got": json_kind(value)},
        ) from None


FormatVersion = Annotated[int, AfterValidator(_readable_version), Field(json_schema_extra={"const": FORMAT_VERSION})]
FileReviewStatus = Annotated[FileReviewStatusName, BeforeValidator(_file_review_status)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# Text for a choice or a multiple choice, a whole number for a whole-number question, a list for
# "one of"; the question decides which (checked against the file's questions, not here).
ConditionValue = Annotated[str | int | list[Any] | None, WrapValidator(_condition_value)]


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: "text", "a list"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


class Record(BaseModel):
    """A record of the file: strict JSON types, no field the format does not know."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ReviewCommentRecord(Record):
    """A board member's note; its kind: confirmed, refined, not_confirmed, not_found or editorial.
    A resolved note (open: false) says why in its resolution."""

    author_name: str = ""
    kind: str = "editorial"
    body: str
    open: bool = True
    resolution: str = ""


class ReviewedRecord(Record):
    """What the file says of a record's review: draft or submitted, never approved, and its notes."""

    review_status: FileReviewStatus = "submitted"
    review_comments: list[ReviewCommentRecord] = []


class EditionHeader(ReviewedRecord):
    """The edition's number and its text."""

    number: int
    title: str
    summary: str = ""
    source_note: str = ""
    content_date: IsoDate | None = None


class ItemRecord(ReviewedRecord):
    """An item of the edition, named by a key that is stable across editions."""

    key: str


class OptionRecord(Record):
    """An answer to a choice or multiple-choice question."""

    code: str
    label: str


class AskedWhenRecord(Record):
    """An earlier question of the same step, and the answers (option codes) that ask this one."""

    question: str
    values: list[str]


class QuestionRecord(ItemRecord):
    """A question the wizard asks and the API accepts; its kind: choice, multi or integer."""

    step: str
    kind: str
    label: str
    help_text: str = ""
    options: list[OptionRecord] = []
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False
    in_wizard: bool = True
    asked_when: AskedWhenRecord | None = None


class ReferenceRecord(ItemRecord):
    """A source statements cite; an incomplete record says what is missing in its incomplete_note."""

    kind: str
    authors: str = ""
    title: str = ""
    source: str = ""
    year: int | None = None
    doi: str = ""
    pmid: str = ""
    url: str = ""
    incomplete: bool = False
    incomplete_note: str = ""


class ConditionRecord(Record):
    """A row of an item's conditions; rows sharing a group combine the opposite way to the item's match."""

    question: str
    operator: str
    value: ConditionValue = None
    group: str = ""


class ConditionalRecord(ItemRecord):
    """An item that applies when all or any (its match) of its conditions hold, and the references it cites."""

    match: str = "all"
    conditions: list[ConditionRecord] = []
    citations: list[str] = Field(default=[], description="Keys of references of this file.")


class StatementRecord(ConditionalRecord):
    """What the plan shows to clinicians, with a caution while its evidence is in doubt."""

    caution: str = ""
    caution_citations: list[str] = Field(default=[], description="Keys of references the caution rests on.")


class RecommendationRecord(StatementRecord):
    """A statement of a pathway's management plan."""

    section: str
    text: str
    plain_text: str = ""
    tried_text: str = ""
    strength: str = "not_graded"
    certainty: str = "not_graded"
    treatments: list[str] = []


class PathwayRecord(ConditionalRecord):
    """A clinical context, with its recommendations."""

    title: str
    summary: str = ""
    recommendations: list[RecommendationRecord] = []


class PitfallRecord(StatementRecord):
    """Something to avoid, shown when its conditions hold."""

    text: str
    plain_text: str = ""


class ScenarioRecord(Record):
    """A patient's answers and the items of the file the plan must and must not show."""

    key: str
    title: str
    description: str = ""
    answers: dict[str, Any]
    must_show: list[str] = []
    must_not_show: list[str] = []
    is_active: bool = True


class EditionFile(Record):
    """A whole edition as one versioned JSON document; records refer to each other by key."""

    format: FormatName
    format_version: FormatVersion
    edition: EditionHeader
    questions: list[QuestionRecord] = Field(description="The edition's questions, in the order they are asked.")
    references: list[ReferenceRecord]
    pathways: list[PathwayRecord]
    pitfalls: list[PitfallRecord] = []
    scenarios: list[ScenarioRecord] = []


def edition_file_schema() -> dict[str, Any]:
    """The JSON Schema of an edition file."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **EditionFile.model_json_schema()}
