"""Properties of build_plan over generated valid answer sets (hypothesis)."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.editions import make_consistent
from bme_wizard.pathway.answers import EXCLUSIVE_VALUE, clean_answers, is_asked
from bme_wizard.pathway.conditions import evaluate
from bme_wizard.pathway.plan import build_plan
from bme_wizard.pathway.vocabulary import QUESTIONS, Kind

pytestmark = pytest.mark.django_db  # the first_snapshot fixture needs the test database


def _value(question):
    if question.kind is Kind.CHOICE:
        return st.sampled_from(question.values)
    if question.kind is Kind.INTEGER:
        return st.integers(question.minimum, question.maximum)
    others = [value for value in question.values if value != EXCLUSIVE_VALUE]
    subsets = st.lists(st.sampled_from(others), unique=True, min_size=0 if question.optional else 1)
    if EXCLUSIVE_VALUE in question.values:
        return st.one_of(st.just([EXCLUSIVE_VALUE]), subsets)
    return subsets


@st.composite
def valid_answers(draw):
    """A valid answer set: asked questions answered (optional ones sometimes not), and sometimes
    stray answers to questions that are not asked, which must be ignored; answers that would
    contradict each other corrected as a clinician would."""
    raw = {}
    for question in QUESTIONS.values():
        if is_asked(question, raw):
            if question.optional and draw(st.booleans()):
                continue
            raw[question.key] = draw(_value(question))
        elif draw(st.integers(0, 4)) == 0:
            raw[question.key] = draw(_value(question))
    return make_consistent(raw)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(raw=valid_answers())
def test_generated_answers_are_valid_and_build_plan_never_raises(first_snapshot, raw):
    build_plan(clean_answers(raw), first_snapshot)


@SETTINGS
@given(raw=valid_answers())
def test_build_plan_is_deterministic(first_snapshot, raw):
    answers = clean_answers(raw)
    assert build_plan(answers, first_snapshot) == build_plan(dict(answers), first_snapshot)


@SETTINGS
@given(raw=valid_answers())
def test_every_shown_item_is_explained_by_conditions_that_hold(first_snapshot, raw):
    answers = clean_answers(raw)
    plan = build_plan(answers, first_snapshot)
    for item in plan.shown:
        assert all(evaluate(condition, answers) for condition in item.because), item.entry.key
        # And nothing unexplained: an item with conditions of its own shows why.
        if item.entry.rule.conditions:
            assert item.because, item.entry.key


@SETTINGS
@given(raw=valid_answers())
def test_references_are_numbered_contiguously_from_1(first_snapshot, raw):
    plan = build_plan(clean_answers(raw), first_snapshot)
    numbers = [reference.number for reference in plan.references]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = {n for item in plan.shown for n in (*item.citation_numbers, *item.caution_numbers)}
    assert cited == set(numbers)


@SETTINGS
@given(raw=valid_answers())
def test_statements_appear_only_under_a_matched_pathway_and_tried_is_accurate(first_snapshot, raw):
    answers = clean_answers(raw)
    plan = build_plan(answers, first_snapshot)
    matched = {item.entry.key for item in plan.pathways}
    for item in (*plan.recommendations, *plan.tried):
        assert item.entry.pathway_key in matched
        assert set(item.tried) == set(item.entry.treatments) & set(answers["treatments_tried"])


@SETTINGS
@given(raw=valid_answers())
def test_a_statement_is_shown_as_tried_exactly_when_all_its_treatments_were_tried(first_snapshot, raw):
    answers = clean_answers(raw)
    plan = build_plan(answers, first_snapshot)
    tried = set(answers["treatments_tried"])
    for item in plan.tried:
        assert item.entry.treatments and set(item.entry.treatments) <= tried, item.entry.key
    for item in plan.recommendations:
        assert not (item.entry.treatments and set(item.entry.treatments) <= tried), item.entry.key
    # Moving to the tried part loses nothing: the same statements apply as when treatments are ignored.
    untreated = replace(
        first_snapshot, recommendations=tuple(replace(e, treatments=()) for e in first_snapshot.recommendations)
    )
    advised = {item.entry.key for item in build_plan(answers, untreated).recommendations}
    assert {item.entry.key for item in (*plan.recommendations, *plan.tried)} == advised


# ---------------------------------------------------------------------------------------
# The first edition's boundaries (DESIGN.md, "How the seed maps to conditions")
# ---------------------------------------------------------------------------------------

# The source's conservative treatments for refractory bone marrow edema, and its shortest course.
CONSERVATIVE = {"nsaids", "protected_weight_bearing"}
NOT_IMPROVING = {"no_change", "worsening"}


def _escalation_is_due(key: str, answers) -> bool:
    """Whether the pathway the statement belongs to has reached escalation for this patient, by the
    threshold DESIGN.md gives it: refractory care after at least 2 weeks of conservative care tried
    without improvement; vertebral augmentation after 12 weeks without improvement, or earlier for
    severe pain; augmentation in myeloma for a fracture that stays painful (no time is given)."""
    weeks, response = answers.get("conservative_weeks", 0), answers.get("response")
    if key.startswith("refractory"):
        tried = CONSERVATIVE & set(answers.get("treatments_tried") or ())
        return bool(tried) and weeks >= 2 and response in NOT_IMPROVING
    if key.startswith("vcf-") or key.startswith("myeloma-"):
        severe = answers.get("severe_pain") == "yes"
        if key.startswith("myeloma-"):
            return severe or response in NOT_IMPROVING
        if key == "vcf-kyphoplasty-cancer":  # the figure for augmentation, once augmentation is due
            return response in NOT_IMPROVING and (severe or weeks >= 12)
        return severe or (weeks >= 12 and response in NOT_IMPROVING)
    raise AssertionError(f"an escalation statement of no known pathway: {key}")


@SETTINGS
@given(raw=valid_answers())
def test_no_escalation_without_an_mri_that_shows_edema_and_care_tried_for_the_threshold(first_snapshot, raw):
    answers = clean_answers(raw)
    plan = build_plan(answers, first_snapshot)
    for section in plan.sections:
        if section.key != "escalation":
            continue
        for item in section.items:
            assert answers.get("bme_on_fluid_sensitive") == "yes", (item.entry.key, answers)
            assert _escalation_is_due(item.entry.key, answers), (item.entry.key, answers)


REASSURANCE = {"tbme-natural-course", "tbme-imaging-hip"}


@SETTINGS
@given(raw=valid_answers())
def test_no_transient_reassurance_or_refractory_escalation_beside_the_osteonecrosis_warning(first_snapshot, raw):
    shown = {item.entry.key for item in build_plan(clean_answers(raw), first_snapshot).shown}
    if "workup-dce-rim" in shown:
        assert not (REASSURANCE | {"refractory"}) & shown, shown


def _alternatives(question, answers):
    """Other valid answers to ``question`` for this patient (asked questions only)."""
    if question.kind is Kind.CHOICE:
        return [value for value in question.values if value != answers.get(question.key)]
    if question.kind is Kind.INTEGER:
        return [value for value in (question.minimum, 1, 2, 3, 11, 12, 13, 40, question.maximum)]
    return [[value] for value in question.values] + ([[]] if question.optional else [])


def test_every_question_the_wizard_asks_changes_at_least_one_plan(first_snapshot):
    """For each question the wizard asks, some patient's plan changes when only that answer changes."""
    import random

    from benchmarks.editions import random_answers
    from bme_wizard.pathway.answers import AnswersError
    from bme_wizard.pathway.vocabulary import STEPS, wizard_questions

    rng = random.Random(12)  # noqa: S311 - a seeded sample of patients, not a secret
    patients = [random_answers(rng) for _ in range(400)]
    idle = []
    for step in STEPS:
        for question in wizard_questions(step.key):
            changes = False
            for answers in patients:
                if not is_asked(question, answers):
                    continue
                before = {item.entry.key for item in build_plan(answers, first_snapshot).shown}
                for value in _alternatives(question, answers):
                    try:
                        other = clean_answers({**answers, question.key: value})
                    except AnswersError:
                        continue
                    if {item.entry.key for item in build_plan(other, first_snapshot).shown} != before:
                        changes = True
                        break
                if changes:
                    break
            if not changes:
                idle.append(question.key)
    assert idle == [], f"asked by the wizard but changing no plan: {idle}"
