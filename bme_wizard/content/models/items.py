"""Items of an edition: its text, questions, pathways, recommendations, pitfalls and references.

Every item carries a stable ``key`` across editions, an editorial order and a review
status. Statements (recommendations, pitfalls) and pathways carry the conditions that
decide when they apply and the references they cite. Removing an item from a draft is a
change like any other: the item is marked removed, reviewed, and leaves the edition's
content (it stays as a record of the removal) when the edition is published.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from bme_wizard.pathway.conditions import Condition as RuleCondition
from bme_wizard.pathway.conditions import ConditionError, Match, describe_conditions
from bme_wizard.pathway.vocabulary import KIND_LABELS, STEPS, Kind, Vocabulary, question_from_data
from bme_wizard.pathway.vocabulary import Question as VocabularyQuestion

from .choices import Certainty, ReferenceKind, Section, Strength, label
from .guard import (
    DirectWriteError,
    FrozenWhenPublished,
    VersionedModel,
    check_editable_review_state,
    is_carrying_review_state,
)
from .history import ItemHistory, content_history
from .review import Reviewed

# One limit for every text an editor writes, the same in the live preview and on save.
TEXT_MAX_CHARS = 5_000
EDITION_TEXT_KEY = "edition"


def editor_text(help_text: str, *, blank: bool = False, verbose_name: str | None = None) -> models.TextField:
    return models.TextField(
        blank=blank,
        help_text=help_text,
        verbose_name=verbose_name,
        validators=[MaxLengthValidator(TEXT_MAX_CHARS)],
    )


def item_history():
    """The history of an item: its fields, and its conditions and citations in words."""
    return content_history(bases=[ItemHistory], excluded_fields=["approved_content"])


class EditionItem(VersionedModel, Reviewed, FrozenWhenPublished):
    """What every item of an edition shares: identity, order, removal and review.

    Concrete (multi-table) so that conditions, citations and review comments can point at
    any kind of item with a real foreign key, and keys are unique across an edition.
    """

    edition_status_path = "edition__status"
    # Review bookkeeping, which moves on while an edition is published (review in place).
    mutable_when_published = frozenset({"review_status", "updated_at", "version", "changed_by_id", "approved_content"})
    # What a kind of item is made of, beyond the fields below: compared to detect a change.
    content_fields: ClassVar[tuple[str, ...]] = ()
    has_citations: ClassVar[bool] = False

    edition = models.ForeignKey("content.Edition", on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(
        max_length=80,
        help_text="Stable identifier, kept when the item is carried into a new edition (letters, digits, - and _).",
    )
    order = models.PositiveIntegerField(default=0, help_text="Editorial order; lower comes first.")
    is_removed = models.BooleanField(
        default=False,
        verbose_name="removed",
        help_text="Marked for removal from this draft; reviewed like any change, it leaves the edition on publication.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["edition", "order", "key"]
        permissions = [
            ("submit_item", "Can submit items for review"),
            ("review_item", "Can review items: start review, request changes, approve"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "key"],
                name="content_item_key_unique_in_edition",
                violation_error_message="Another item of this edition already has this key.",
            )
        ]

    def __str__(self) -> str:
        return self.key

    # The reverse one-to-one names of the concrete kinds (multi-table inheritance).
    KINDS = ("editiontext", "question", "as_pathway", "recommendation", "pitfall", "reference")

    def as_concrete(self) -> EditionItem:
        """This item as its concrete kind (a recommendation, say)."""
        if type(self) is not EditionItem:
            return self
        for name in self.KINDS:
            try:
                return getattr(self, name)
            except models.ObjectDoesNotExist:
                continue
        return self

    @property
    def kind_label(self) -> str:
        return self.as_concrete()._meta.verbose_name

    @property
    def opts_model_name(self) -> str:
        """The concrete kind's model name, as admin URLs spell it (templates cannot read ``_meta``)."""
        return self.as_concrete()._meta.model_name

    def _editions_touched(self) -> set[int]:
        ids = {self.edition_id} if self.edition_id else set()
        if self.pk:
            stored = EditionItem._base_manager.filter(pk=self.pk).values_list("edition_id", flat=True).first()
            if stored:
                ids.add(stored)
        return ids

    def rule_conditions(self, vocabulary: Vocabulary | None = None) -> list[RuleCondition]:
        """Its rows as the engine reads them, against its edition's questions unless given."""
        if vocabulary is None:
            vocabulary = edition_vocabulary(self.edition_id)
        return [condition.as_rule(vocabulary) for condition in self.conditions.all()]

    # --- the backstop ----------------------------------------------------------------

    def save(self, *args, **kwargs):
        self.check_approval_record()  # also on the bookkeeping saves of a review step
        super().save(*args, **kwargs)

    def check_before_save(self) -> None:
        super().check_before_save()
        changed = self._changed_fields() - self.mutable_when_published - {"updated_at"}
        check_editable_review_state(self, content_changed=bool(changed))

    @classmethod
    def check_bulk_delete(cls, queryset: models.QuerySet) -> None:
        raise DirectWriteError(
            "Removing items is a change that is reviewed: remove them one by one with the remove operation "
            "(content.services.item_remove), which marks them for the board.",
            code="direct",
        )

    def check_delete(self) -> None:
        if not is_carrying_review_state() and self.in_base():
            raise DirectWriteError(
                f"{self.key} is in {self.edition.base.label}, the edition this draft was started from: removing it "
                "is reviewed, so mark it removed (content.services.item_remove) instead of deleting it.",
                code="direct",
            )

    def in_base(self) -> bool:
        """Whether an item of this key is in the edition this draft was started from."""
        base_id = self.edition.base_id if self.edition_id else None
        return bool(base_id) and EditionItem.objects.filter(edition_id=base_id, key=self.key, is_removed=False).exists()

    # --- what a review covers -----------------------------------------------------------

    def review_content(
        self, *, conditions: list[dict[str, Any]] | None = None, citations: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        """The content a review covers, as plain data independent of database ids.

        ``conditions`` and ``citations``: rows proposed but not saved yet (otherwise the stored ones)."""
        item = self.as_concrete()
        content: dict[str, Any] = {"key": item.key, "order": item.order, "removed": item.is_removed}
        for name in item.content_fields:
            field = item._meta.get_field(name)
            if field.is_relation:
                related = getattr(item, name)
                content[name] = related.key if related is not None else None
            else:
                value = getattr(item, name)
                content[name] = value.isoformat() if hasattr(value, "isoformat") else value
        if isinstance(item, Conditional):
            content["match"] = item.match
            content["conditions"] = conditions if conditions is not None else item.condition_rows()
        if item.has_citations:
            content["citations"] = citations if citations is not None else item.citation_rows()
        return content

    def condition_rows(self) -> list[dict[str, Any]]:
        return [row.as_data() for row in self.conditions.all()]

    def citation_rows(self) -> list[dict[str, str]]:
        return [row.as_data() for row in self.citations.select_related("reference")]


class Conditional(models.Model):
    """Mixin for items shown only when their conditions hold."""

    match = models.CharField(
        max_length=3,
        choices=[(Match.ALL.value, "All conditions hold"), (Match.ANY.value, "Any condition holds")],
        default=Match.ALL.value,
        help_text="How the rows combine. Rows sharing a group name combine the opposite way first.",
    )

    class Meta:
        abstract = True

    def applies_when(self) -> str:
        """When this item applies, in words, for clinicians and reviewers (or what is wrong with its rows)."""
        try:
            vocabulary = edition_vocabulary(self.edition_id)
            return describe_conditions(self.match, self.rule_conditions(vocabulary), vocabulary)
        except ConditionError as error:
            return f"never, until a condition is mended: {error.message}"


class EditionText(EditionItem):
    """The edition's own text: its title, what it changes, and where its content comes from."""

    content_fields = ("title", "summary", "source_note", "content_date")

    title = models.CharField(max_length=200)
    summary = editor_text("What this edition changes (Markdown).", blank=True)
    source_note = editor_text("Where the content comes from (Markdown); shown to clinicians.", blank=True)
    content_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the content was last updated at its source. Shown to clinicians as 'last updated' "
        "(otherwise the publication date). Leave empty for an edition revised by the board.",
    )

    history = item_history()

    class Meta:
        verbose_name = "edition text"
        verbose_name_plural = "edition texts"

    def __str__(self) -> str:
        return f"{self.title} (text of edition)"

    def clean(self) -> None:
        super().clean()
        if self.key != EDITION_TEXT_KEY:
            raise ValidationError({"key": f"The edition's text has the key {EDITION_TEXT_KEY!r}."})


class QuestionKind(models.TextChoices):
    CHOICE = Kind.CHOICE.value, KIND_LABELS[Kind.CHOICE]
    MULTI = Kind.MULTI.value, KIND_LABELS[Kind.MULTI]
    INTEGER = Kind.INTEGER.value, KIND_LABELS[Kind.INTEGER]


def step_choices() -> list[tuple[str, str]]:
    return [(step.key, step.title) for step in STEPS]


class Question(EditionItem):
    """A question the wizard asks (and the API accepts): guideline content, per edition.

    Its key, and its options' codes, are stored in saved assessments, conditions and scenarios:
    they are a contract, never renamed. Conditions and scenarios of the edition refer to them."""

    content_fields = (
        "step",
        "label",
        "help_text",
        "kind",
        "options",
        "minimum",
        "maximum",
        "optional",
        "asked_when_question",
        "asked_when_values",
        "in_wizard",
    )

    step = models.CharField(max_length=20, choices=step_choices, help_text="The wizard step that asks it.")
    label = models.CharField(max_length=200, help_text="The question as clinicians read it.")
    help_text = models.CharField(max_length=500, blank=True, help_text="A line of help under the question.")
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    options = models.JSONField(
        default=list,
        blank=True,
        help_text='The answers to choose from, in order, each {"code": ..., "label": ...}; codes are lower-case '
        "letters, digits and _. Not for a whole-number question.",
    )
    minimum = models.IntegerField(null=True, blank=True, help_text="A whole-number question's lowest value.")
    maximum = models.IntegerField(null=True, blank=True, help_text="A whole-number question's highest value.")
    optional = models.BooleanField(
        default=False,
        help_text="May be left unanswered (a multiple-choice question: may be left with nothing ticked).",
    )
    asked_when_question = models.CharField(
        max_length=80,
        blank=True,
        verbose_name="asked when (question)",
        help_text="Asked only when this earlier question of the same step has one of the answers below.",
    )
    asked_when_values = models.JSONField(
        default=list, blank=True, verbose_name="asked when (answers)", help_text="Option codes of that question."
    )
    in_wizard = models.BooleanField(
        default=True,
        verbose_name="asked by the wizard",
        help_text="Off for a question no statement turns on: the API still accepts it (it must then be optional).",
    )

    history = item_history()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.label or self.key

    def as_question(self) -> VocabularyQuestion:
        """The question as the engine reads it (raises ValueError if its stored fields cannot be read)."""
        return question_from_data(self.as_data())

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "step": self.step,
            "kind": self.kind,
            "label": self.label,
            "help_text": self.help_text,
            "optional": self.optional,
            "in_wizard": self.in_wizard,
            "options": self.options or [],
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        if self.asked_when_question:
            data["asked_when"] = {"question": self.asked_when_question, "values": self.asked_when_values or []}
        return data

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.options, list) or not all(
            isinstance(option, dict) and set(option) == {"code", "label"} for option in self.options
        ):
            raise ValidationError({"options": 'Options are a list of {"code": ..., "label": ...}.'})
        if not isinstance(self.asked_when_values, list) or not all(
            isinstance(value, str) for value in self.asked_when_values
        ):
            raise ValidationError({"asked_when_values": "The answers are a list of option codes."})
        if not self.edition_id:
            return  # read from a file: the file's questions are checked together (edition_file)
        others = Question.objects.filter(edition_id=self.edition_id, is_removed=False).exclude(pk=self.pk)
        problems = question_problems(self, list(others))
        if problems:
            raise ValidationError(problems)


def in_asked_order(questions):
    """Question items in the order the wizard asks them: by step, then editorial order."""
    steps = [step.key for step in STEPS]
    return sorted(questions, key=lambda q: (steps.index(q.step) if q.step in steps else len(steps), q.order, q.key))


def question_problems(question: Question, others) -> list[str]:
    """What is wrong with ``question`` among the edition's ``others``: the vocabulary's own messages,
    those that name it (a fault of another question is that question's to mend)."""
    try:
        mine = question.as_question()
    except (KeyError, TypeError, ValueError) as error:
        return [f"Question “{question.label}” ({question.key}): {error}."]
    ordered = in_asked_order([*others, question])
    read = []
    for item in ordered:
        try:
            read.append(mine if item is question else item.as_question())
        except (KeyError, TypeError, ValueError):
            continue  # a stored question that cannot be read is reported on its own
    name = f"Question “{mine.label}” ({mine.key}):"
    return [problem for problem in Vocabulary(STEPS, tuple(read)).problems() if problem.startswith(name)]


def read_vocabulary(items) -> tuple[Vocabulary, list[str]]:
    """Question items as the engine reads them, in the order they are asked (removed ones left out),
    and what contradicts itself, naming each question (empty: nothing). A question whose stored fields
    cannot be read is left out of the vocabulary and named among the problems."""
    questions, problems = [], []
    for item in in_asked_order([item for item in items if not item.is_removed]):
        try:
            questions.append(item.as_question())
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"Question “{item.label}” ({item.key}): {error}.")
    vocabulary = Vocabulary(STEPS, tuple(questions))
    return vocabulary, problems + vocabulary.problems()


def edition_vocabulary(edition_id: int | None) -> Vocabulary:
    """The questions of an edition, as they are now (cached while its revision stands)."""
    from .editions import Edition

    stamp = Edition._base_manager.filter(pk=edition_id).values_list("revision", "created_at").first()
    if stamp is None:
        return Vocabulary(STEPS, ())
    return _edition_vocabulary(edition_id, *stamp)


@lru_cache(maxsize=32)
def _edition_vocabulary(edition_id: int, revision: int, created_at) -> Vocabulary:
    return read_vocabulary(Question.objects.filter(edition_id=edition_id))[0]


class Pathway(EditionItem, Conditional):
    """A clinical context (e.g. vertebral compression fracture) and the statements under it."""

    content_fields = ("title", "summary")
    has_citations = True

    # Named explicitly: the default reverse name, "pathway", would clash with Recommendation.pathway.
    editionitem_ptr = models.OneToOneField(
        EditionItem, on_delete=models.CASCADE, parent_link=True, primary_key=True, related_name="as_pathway"
    )
    title = models.CharField(max_length=200)
    summary = editor_text("Introduction shown under the title (Markdown).", blank=True)

    history = item_history()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.title


class Statement(Conditional):
    """Mixin for what the plan shows to clinicians: text, its plain-language version, a caution."""

    text = editor_text("The statement for clinicians (Markdown).")
    plain_text = editor_text("The same advice in plain language for patients (Markdown).", blank=True)
    caution = editor_text(
        "A short caution clinicians see under the statement while its evidence is in doubt (Markdown); "
        "cite its sources as caution citations.",
        blank=True,
    )

    class Meta:
        abstract = True


class Recommendation(EditionItem, Statement):
    """One statement of the management plan."""

    content_fields = (
        "pathway",
        "section",
        "text",
        "plain_text",
        "tried_text",
        "caution",
        "strength",
        "certainty",
        "treatments",
    )
    has_citations = True

    # RESTRICT: a pathway cannot be deleted while it has statements, but goes with its whole draft edition.
    pathway = models.ForeignKey(Pathway, on_delete=models.RESTRICT, related_name="recommendations")
    section = models.CharField(max_length=20, choices=Section.choices)
    tried_text = editor_text(
        "How the statement reads once all its treatments have been tried (Markdown), e.g. what was tried "
        "and what the pathway offers next.",
        blank=True,
        verbose_name="text once tried",
    )
    strength = models.CharField(max_length=20, choices=Strength.choices, default=Strength.NOT_GRADED)
    certainty = models.CharField(
        max_length=20, choices=Certainty.choices, default=Certainty.NOT_GRADED, verbose_name="certainty of evidence"
    )
    treatments = models.JSONField(
        default=list,
        blank=True,
        help_text="Treatments this statement advises, so the plan can tell those already tried.",
    )

    history = item_history()

    # The questions whose treatments it may name: by default its edition's; the edition loader sets the file's.
    vocabulary: Vocabulary | None = None

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pathway_id and self.edition_id and self.pathway.edition_id != self.edition_id:
            errors["pathway"] = "The pathway belongs to another edition."
        vocabulary = self.vocabulary if self.vocabulary is not None else edition_vocabulary(self.edition_id)
        allowed = {choice.value for choice in vocabulary.treatments}
        if not isinstance(self.treatments, list) or not all(isinstance(t, str) for t in self.treatments):
            errors["treatments"] = "Treatments must be a list of treatment keys."
        else:
            unknown = [t for t in self.treatments if t not in allowed]
            if unknown:
                errors["treatments"] = (
                    f"Unknown treatment(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}."
                )
        if errors:
            raise ValidationError(errors)


def edition_or_current(edition_id: int | None) -> int | None:
    """``edition_id``, or when it is None the current edition's (None before any is published)."""
    if edition_id is not None:
        return edition_id
    from .editions import Edition

    current = Edition.objects.current()
    return current.pk if current is not None else None


def treatment_choices(edition_id: int | None = None) -> list[tuple[str, str]]:
    """The treatments statements of an edition may name (of the current edition when none is given)."""
    return [(choice.value, choice.label) for choice in edition_vocabulary(edition_or_current(edition_id)).treatments]


class Pitfall(EditionItem, Statement):
    """Something to avoid, shown when its conditions hold."""

    content_fields = ("text", "plain_text", "caution")
    has_citations = True

    history = item_history()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.key


class Reference(EditionItem):
    """A source that statements cite. Identifiers stay empty unless verified: never guessed."""

    content_fields = (
        "kind",
        "authors",
        "title",
        "source",
        "year",
        "doi",
        "pmid",
        "url",
        "is_incomplete",
        "incomplete_note",
    )

    kind = models.CharField(max_length=20, choices=ReferenceKind.choices)
    authors = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Journal or publisher.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    doi = models.CharField(max_length=200, blank=True, verbose_name="DOI")
    pmid = models.CharField(max_length=20, blank=True, verbose_name="PMID")
    url = models.URLField(blank=True, verbose_name="URL")
    is_incomplete = models.BooleanField(
        default=False,
        verbose_name="incomplete record",
        help_text="The record lacks what a reader needs to find the work; say what in the note.",
    )
    incomplete_note = editor_text("What is missing from the record.", blank=True)

    history = item_history()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.title or self.key

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pmid and not self.pmid.isdigit():
            errors["pmid"] = "A PMID is digits only."
        if self.doi and not self.doi.startswith("10."):
            errors["doi"] = "A DOI starts with 10. (without https://doi.org/)."
        if self.is_incomplete and not self.incomplete_note.strip():
            errors["incomplete_note"] = "Say what is missing from an incomplete record."
        if not self.is_incomplete and not self.title.strip():
            errors["title"] = "A complete reference needs its title; otherwise mark it incomplete."
        if errors:
            raise ValidationError(errors)

    def citation_text(self) -> str:
        """The full citation as one line, e.g. for the numbered reference list."""
        parts = [p for p in (self.authors, self.title, self.source, str(self.year or "")) if p]
        text = ". ".join(part.rstrip(".") for part in parts) + "." if parts else ""
        if self.doi:
            text += f" doi:{self.doi}"
        if self.pmid:
            text += f" PMID {self.pmid}"
        if self.is_incomplete:
            text = f"{text} [Incomplete record: {self.incomplete_note}]".strip()
        return text


CONCRETE_KINDS: tuple[type[EditionItem], ...] = (EditionText, Question, Pathway, Reference, Recommendation, Pitfall)
"""Every kind of item, in the order a copy must create them (pathways before their statements,
references before the citations that point at them)."""


def describe_value(item: Any, name: str, value: Any, vocabulary: Vocabulary | None = None) -> str:
    """A stored value of an item's field as an editor reads it (a label, not a code). Treatments are named
    in the words of ``vocabulary`` (default: the questions of the item's edition, or the current one's)."""
    kinds = {"section": "section", "strength": "strength", "certainty": "certainty", "kind": "reference_kind"}
    if name in kinds:
        return label(value, kinds[name])
    if name == "treatments":
        if vocabulary is None:
            vocabulary = edition_vocabulary(edition_or_current(getattr(item, "edition_id", None)))
        return vocabulary.treatment_labels(value or []) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
