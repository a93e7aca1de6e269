"""Synthetic editions and answer sets, for benchmarks and for tests that need a large edition.

Shaped like a real edition: pathways keyed on the clinical context, statements with 0-3
random (valid) conditions and 1-3 citations. Seeded, so every run builds the same edition.
"""

from __future__ import annotations

import random

from bme_wizard.pathway.answers import EXCLUSIVE_VALUE, clean_answers, is_asked
from bme_wizard.pathway.conditions import OPERATORS_BY_KIND, Operator
from bme_wizard.pathway.vocabulary import QUESTIONS, Kind

CONTEXTS = QUESTIONS["context"].values

# A complete, valid set of answers: a patient with no particular pathway beyond the work-up.
# (A DCE pattern is reported, so DCE is among the sequences: the answers must not contradict each other.)
SAMPLE_ANSWERS = {
    "mri_done": "yes",
    "bme_on_fluid_sensitive": "yes",
    "site": "knee",
    "sequences": ["stir", "t1", "dce"],
    "bme_depth_over_1cm": "no",
    "dce_pattern": "other",
    "structural_findings": ["none"],
    "context": "cno",
    "symptom_weeks": 6,
    "severe_pain": "no",
    "population_flags": [],
    "vitamin_d_calcium": "normal",
    "treatments_tried": [],
    "conservative_weeks": 4,
    "response": "improving",
}


def random_answers(rng: random.Random) -> dict:
    """A valid answer set, drawn question by question as a clinician might answer, then made
    consistent as a clinician's would be (``make_consistent``)."""
    raw: dict = {}
    for question in QUESTIONS.values():
        if not is_asked(question, raw) or (question.optional and rng.random() < 0.3):
            continue
        if question.kind is Kind.CHOICE:
            raw[question.key] = rng.choice(question.values)
        elif question.kind is Kind.INTEGER:
            raw[question.key] = rng.randint(question.minimum, min(question.maximum, 60))
        else:
            others = [v for v in question.values if v != EXCLUSIVE_VALUE]
            picked = rng.sample(others, rng.randint(0 if question.optional else 1, min(3, len(others))))
            raw[question.key] = picked or ([EXCLUSIVE_VALUE] if EXCLUSIVE_VALUE in question.values else [])
    return clean_answers(make_consistent(raw))


def make_consistent(raw: dict) -> dict:
    """Drawn answers corrected where they would contradict each other (pathway.answers.CONSISTENCY_RULES):
    no more weeks of conservative treatment than of symptoms, and a DCE pattern only with the DCE sequence."""
    answers = dict(raw)
    treated, symptoms = answers.get("conservative_weeks"), answers.get("symptom_weeks")
    if isinstance(treated, int) and isinstance(symptoms, int) and treated > symptoms:
        answers["conservative_weeks"], answers["symptom_weeks"] = symptoms, treated
    sequences = answers.get("sequences")
    if answers.get("dce_pattern") not in (None, "not_done") and isinstance(sequences, list) and "dce" not in sequences:
        answers["sequences"] = [*sequences, "dce"]
    return answers


def random_condition(rng: random.Random, group: str = "") -> dict:
    question = rng.choice(list(QUESTIONS.values()))
    operator = rng.choice(sorted(OPERATORS_BY_KIND[question.kind] - {Operator.IS_EMPTY, Operator.IS_ANSWERED}))
    if operator is Operator.ONE_OF:
        value = rng.sample(question.values, 2)
    elif question.kind is Kind.INTEGER:
        value = rng.randint(question.minimum, min(question.maximum, 60))
    else:
        value = rng.choice(question.values)
    row = {"question": question.key, "operator": operator.value, "value": value}
    if group:
        row["group"] = group
    return row


def generated_edition(number: int, statements: int, seed: int = 7, questions: int = 0) -> dict:
    """An edition file with ``statements`` recommendations and pitfalls, shaped like a real one:
    pathways keyed on the clinical context, statements with 0-3 conditions and 1-3 citations.
    With ``questions``, the first edition's questions and optional whole-number ones up to that many."""
    rng = random.Random(seed)
    references = [
        {"key": f"ref-{i}", "kind": "research", "title": f"Study {i}", "source": "Journal", "year": 2020}
        for i in range(60)
    ]
    pitfall_count = max(1, statements // 20)
    pathway_count = max(1, statements // 100)
    from bme_wizard.content.models import Section  # needs Django set up, as every caller has

    sections = [key for key, _ in Section.choices]

    def statement(key: str, **extra) -> dict:
        conditions = [random_condition(rng) for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))]
        if len(conditions) >= 2 and rng.random() < 0.3:
            conditions[-1]["group"] = conditions[-2]["group"] = "a"
        return {
            "key": key,
            "text": f"Statement {key}: do the **right** thing.",
            "plain_text": "Plain words.",
            "match": rng.choice(["all", "any"]),
            "conditions": conditions,
            "citations": rng.sample([r["key"] for r in references], rng.randint(1, 3)),
            **extra,
        }

    per_pathway = (statements - pitfall_count) // pathway_count
    pathways = []
    for p in range(pathway_count):
        count = per_pathway if p < pathway_count - 1 else statements - pitfall_count - per_pathway * (pathway_count - 1)
        pathways.append(
            {
                "key": f"pathway-{p}",
                "title": f"Pathway {p}",
                "conditions": [{"question": "context", "operator": "equals", "value": CONTEXTS[p % len(CONTEXTS)]}],
                "recommendations": [statement(f"rec-{p}-{r}", section=rng.choice(sections)) for r in range(count)],
            }
        )
    return {
        "format": "bme-wizard-edition",
        "format_version": 1,
        "edition": {"number": number, "title": f"Generated edition of {statements} statements"},
        "questions": [*QUESTIONS.to_data(), *_extra_questions(questions - len(QUESTIONS))],
        "references": references,
        "pathways": pathways,
        "pitfalls": [statement(f"pitfall-{i}") for i in range(pitfall_count)],
    }


def publish_generated(statements: int):
    """Make a generated edition the current one in a benchmark's scratch database.

    A generated edition is not the guideline: it is loaded as a draft and put in place by the
    publication step itself, without the board's review or the content scenarios (which belong to
    the real guideline). Never in a real database."""
    from django.db import transaction

    from bme_wizard.content.models import Edition
    from bme_wizard.content.services import edition_import
    from bme_wizard.content.services.editions import _make_current

    number = (Edition.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    with transaction.atomic():
        draft = edition_import(document=generated_edition(number, statements))
        return _make_current(Edition.objects.select_for_update().get(pk=draft.pk), note="Generated.", scenarios=())


def _extra_questions(count: int) -> list[dict]:
    """Optional whole-number questions on the clinical context step, beyond the first edition's."""
    return [
        {
            "key": f"extra_{i}",
            "step": "context",
            "kind": "integer",
            "label": f"Extra measure {i}",
            "minimum": 0,
            "maximum": 100,
            "optional": True,
        }
        for i in range(1, count + 1)
    ]
