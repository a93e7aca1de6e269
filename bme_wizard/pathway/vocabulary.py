"""The question vocabulary: the one source of truth for what the wizard asks.

The wizard's forms, the conditions editors write in admin and the JSON API all derive
from ``QUESTIONS``. Keys and values are a contract (DESIGN.md, "Question vocabulary"):
adding is fine, renaming or removing is a breaking change.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Kind(enum.StrEnum):
    CHOICE = "choice"  # exactly one value from ``choices``
    MULTI = "multi"  # a list of values from ``choices``
    INTEGER = "integer"  # a whole number within [minimum, maximum]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str


@dataclass(frozen=True)
class AskedWhen:
    """A question is asked only when another question of the same step has one of these values."""

    question: str
    values: tuple[str, ...]

    def describe(self) -> str:
        labels = " or ".join(QUESTIONS[self.question].label_for(value) for value in self.values)
        return f"Asked when “{QUESTIONS[self.question].label}” is {labels}."


@dataclass(frozen=True)
class Question:
    key: str
    step: str
    kind: Kind
    label: str
    help_text: str = ""
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # Optional questions may be left unanswered; for MULTI it means the list may be empty.
    optional: bool = False
    asked_when: AskedWhen | None = None
    # Whether the wizard asks it. A question no statement's condition can use would cost clinicians
    # time for nothing: the API still accepts it (it must then be optional).
    in_wizard: bool = True

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def label_for(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    @property
    def bounds(self) -> tuple[int, int]:
        """The range of an integer question, (minimum, maximum); every integer question has one."""
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"{self.key} has no range: it is not an integer question.")
        return self.minimum, self.maximum


STEPS: tuple[Step, ...] = (
    Step("mri", "MRI findings"),
    Step("context", "Clinical context"),
    Step("treatment", "Prior treatment"),
)


def _choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in pairs)


_MRI_DONE = AskedWhen("mri_done", ("yes",))

_QUESTION_LIST: tuple[Question, ...] = (
    # Step 1: MRI findings
    Question(
        "mri_done",
        "mri",
        Kind.CHOICE,
        "Has an MRI been done?",
        choices=_choices(("yes", "Yes"), ("no", "No")),
    ),
    Question(
        "bme_on_fluid_sensitive",
        "mri",
        Kind.CHOICE,
        "Bone marrow edema on fluid-sensitive sequences?",
        help_text="T2-weighted or STIR hyperintensity within the bone.",
        choices=_choices(("yes", "Yes"), ("no", "No"), ("unsure", "Unsure")),
        asked_when=_MRI_DONE,
    ),
    Question(
        "site",
        "mri",
        Kind.CHOICE,
        "Site of the edema",
        choices=_choices(
            ("spine", "Spine"),
            ("sacroiliac", "Sacroiliac joints"),
            ("hip", "Hip"),
            ("knee", "Knee"),
            ("foot_ankle", "Foot or ankle"),
            ("hand_wrist", "Hand or wrist"),
            ("other", "Other"),
        ),
        asked_when=_MRI_DONE,
    ),
    Question(
        "sequences",
        "mri",
        Kind.MULTI,
        "Sequences acquired",
        choices=_choices(
            ("stir", "STIR"),
            ("t2fs", "T2 fat-suppressed"),
            ("t1", "T1-weighted"),
            ("dce", "Dynamic contrast-enhanced (DCE)"),
        ),
        asked_when=_MRI_DONE,
    ),
    Question(
        "bme_depth_over_1cm",
        "mri",
        Kind.CHOICE,
        "Does the edema extend more than 1 cm from the articular surface?",
        choices=_choices(("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")),
        asked_when=_MRI_DONE,
    ),
    Question(
        "dce_pattern",
        "mri",
        Kind.CHOICE,
        "Dynamic contrast-enhanced MRI pattern",
        choices=_choices(
            ("not_done", "DCE-MRI not done"),
            ("rim", "Rim of hyperperfusion around an avascular area"),
            ("spot", "Subchondral spot of marked hyperperfusion"),
            ("other", "Other pattern"),
        ),
        asked_when=_MRI_DONE,
    ),
    Question(
        "structural_findings",
        "mri",
        Kind.MULTI,
        "Structural findings",
        choices=_choices(
            ("erosions", "Erosions"),
            ("fat_deposition", "Fat deposition"),
            ("fracture_line", "Fracture line"),
            ("none", "None"),
        ),
        asked_when=_MRI_DONE,
    ),
    Question(
        "ramris_bme",
        "mri",
        Kind.INTEGER,
        "RAMRIS bone marrow edema score",
        help_text="Rheumatoid arthritis MRI scoring system, 0 to 69. Leave empty if not scored.",
        minimum=0,
        maximum=69,
        optional=True,
        asked_when=AskedWhen("site", ("hand_wrist",)),
    ),
    # Step 2: clinical context
    Question(
        "context",
        "context",
        Kind.CHOICE,
        "Clinical context",
        choices=_choices(
            ("vertebral_fracture", "Vertebral compression fracture"),
            ("rheumatoid_arthritis", "Rheumatoid arthritis"),
            ("axial_spa", "Axial spondyloarthritis"),
            ("transient_bme", "Transient bone marrow edema syndrome"),
            ("charcot_foot", "Diabetic foot with Charcot neuroarthropathy"),
            ("multiple_myeloma", "Multiple myeloma"),
            ("cno", "Chronic non-bacterial osteitis"),
            ("unclear", "Unclear"),
        ),
    ),
    Question(
        "fracture_cause",
        "context",
        Kind.CHOICE,
        "Cause of the fracture",
        choices=_choices(
            ("osteoporotic", "Osteoporotic"),
            ("cancer", "Cancer"),
            ("myeloma", "Myeloma"),
            ("trauma", "Trauma"),
            ("unknown", "Unknown"),
        ),
        asked_when=AskedWhen("context", ("vertebral_fracture", "multiple_myeloma")),
    ),
    Question(
        "symptom_weeks",
        "context",
        Kind.INTEGER,
        "Weeks of symptoms",
        minimum=0,
        maximum=520,
        # No statement of the source turns on how long symptoms have lasted (conservative weeks carry
        # the source's thresholds): not asked by the wizard; integrators may still send it.
        optional=True,
        in_wizard=False,
    ),
    Question(
        "severe_pain",
        "context",
        Kind.CHOICE,
        "Severe pain?",
        help_text="Pain needing parenteral opioids or hospital admission.",
        choices=_choices(("yes", "Yes"), ("no", "No")),
    ),
    Question(
        "foot_signs",
        "context",
        Kind.MULTI,
        "Signs in the foot",
        choices=_choices(
            ("ulcer", "Ulcer"),
            ("cellulitis", "Cellulitis"),
            ("abscess", "Soft-tissue abscess"),
            ("none", "None of these"),
        ),
        asked_when=AskedWhen("context", ("charcot_foot",)),
    ),
    Question(
        "population_flags",
        "context",
        Kind.MULTI,
        "Applies to this patient",
        choices=_choices(
            ("postpartum", "Postpartum"),
            ("athlete", "Athlete"),
            ("chronic_back_pain", "Chronic back pain"),
            ("diabetes", "Diabetes"),
            ("cancer_history", "History of cancer"),
        ),
        optional=True,
    ),
    Question(
        "vitamin_d_calcium",
        "context",
        Kind.CHOICE,
        "Vitamin D and calcium status",
        choices=_choices(("normal", "Normal"), ("abnormal", "Abnormal"), ("unknown", "Unknown")),
    ),
    # Step 3: prior treatment
    Question(
        "treatments_tried",
        "treatment",
        Kind.MULTI,
        "Treatments already tried",
        choices=_choices(
            ("nsaids", "NSAIDs"),
            ("opioids", "Opioids"),
            ("bed_rest", "Bed rest"),
            ("protected_weight_bearing", "Protected weight bearing"),
            ("offloading", "Offloading device"),
            ("dmard", "Disease-modifying therapy (DMARD)"),
            ("bisphosphonate", "Bisphosphonate"),
            ("denosumab", "Denosumab"),
            ("iloprost", "Iloprost"),
            ("eswt", "Extracorporeal shock wave therapy"),
            ("pemf", "Pulsed electromagnetic fields"),
            ("vertebral_augmentation", "Vertebroplasty or kyphoplasty"),
            ("anti_myeloma", "Anti-myeloma therapy"),
        ),
        optional=True,
    ),
    Question(
        "conservative_weeks",
        "treatment",
        Kind.INTEGER,
        "Weeks of conservative treatment so far",
        minimum=0,
        maximum=520,
    ),
    Question(
        "response",
        "treatment",
        Kind.CHOICE,
        "Response so far",
        choices=_choices(
            ("not_started", "Treatment not started"),
            ("improving", "Improving"),
            ("no_change", "No change"),
            ("worsening", "Worsening"),
        ),
    ),
)

QUESTIONS: Mapping[str, Question] = {question.key: question for question in _QUESTION_LIST}

# The treatments a statement may name, so the plan can mark those already tried.
TREATMENTS: tuple[Choice, ...] = QUESTIONS["treatments_tried"].choices


def questions_for_step(step: str) -> tuple[Question, ...]:
    return tuple(question for question in _QUESTION_LIST if question.step == step)


def wizard_questions(step: str) -> tuple[Question, ...]:
    """The questions of a step that the wizard asks."""
    return tuple(question for question in questions_for_step(step) if question.in_wizard)


def _check_vocabulary() -> None:
    """Fail at import if the vocabulary contradicts itself (a typo here would be a silent bug)."""
    step_keys = {step.key for step in STEPS}
    for question in _QUESTION_LIST:
        problems = []
        if question.step not in step_keys:
            problems.append(f"unknown step {question.step!r}")
        if (question.kind is Kind.INTEGER) == bool(question.choices):
            problems.append("integer questions have a range, the others have choices")
        has_range = question.minimum is not None and question.maximum is not None
        if (question.kind is Kind.INTEGER) != has_range:
            problems.append("integer questions, and only they, have a minimum and a maximum")
        if question.asked_when:
            parent = QUESTIONS.get(question.asked_when.question)
            if parent is None or parent.step != question.step:
                problems.append("asked_when must name a question of the same step")
            elif not set(question.asked_when.values) <= set(parent.values):
                problems.append("asked_when names values its question does not have")
            elif _QUESTION_LIST.index(parent) > _QUESTION_LIST.index(question):
                problems.append("asked_when must name an earlier question")
        if not question.in_wizard and not question.optional:
            problems.append("a question the wizard does not ask must be optional")
        if problems:
            raise ValueError(f"question vocabulary, {question.key}: {'; '.join(problems)}")


_check_vocabulary()
