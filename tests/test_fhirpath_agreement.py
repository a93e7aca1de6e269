"""The PlanDefinition's applicability expressions, evaluated by two independent FHIRPath engines
(PyPI ``fhirpathpy`` in process, npm ``fhirpath`` in Node), agree with the product's own engine on every
statement, for the QuestionnaireResponse of every content scenario and of 300 random valid patients;
and, condition by condition, for every operator on every question of the first edition.

A patient's response is written from the served Questionnaire as a form filler writes it
(``tests.fhir.questionnaire_response``), sometimes with answers to questions that are not asked (which
the engine ignores, and so must the expressions)."""

import json
import random
import shutil
import subprocess

import pytest
from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

from benchmarks.editions import make_consistent
from bme_wizard.content.models import Scenario
from bme_wizard.interop.fhir import ServedEdition
from bme_wizard.interop.fhirpath import applicability
from bme_wizard.interop.plan_definition import PITFALLS_ACTION, action_id
from bme_wizard.interop.questionnaire import questionnaire as build_questionnaire
from bme_wizard.pathway.answers import EXCLUSIVE_VALUE, AnswersError, clean_answers, is_asked
from bme_wizard.pathway.conditions import Condition, Match, Operator, Rule, operators_for
from bme_wizard.pathway.plan import build_plan
from bme_wizard.pathway.vocabulary import Kind
from tests.fhir import ROOT, answers_for, questionnaire_response

pytestmark = pytest.mark.django_db

PATIENTS = 300
R4 = models["r4"]


def fhirpath_js(expressions, resources):
    """fhirpath.js's results: one row per resource, one result collection per expression."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the FHIRPath agreement needs it (apt-get install nodejs npm).")
    if not (ROOT / "node_modules" / "fhirpath").is_dir():
        pytest.fail("The npm package 'fhirpath' is not installed: run 'make node_modules/.installed' (npm ci).")
    data = json.dumps({"expressions": expressions, "resources": resources})
    script = str(ROOT / "tests" / "fhir" / "fhirpath.js")
    result = subprocess.run([node, script], input=data, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fhirpathpy_results(expressions, resources):
    compiled = [fhirpath_compile(expression, R4) for expression in expressions]
    return [[evaluate_one(resource) for evaluate_one in compiled] for resource in resources]


def truth(result, expression):
    """An applicability result must be one boolean (never empty, never several): the engine's two values."""
    assert result in ([True], [False]), f"{expression} gave {result!r}"
    return result == [True]


def _value(rng, question):
    if question.kind is Kind.CHOICE:
        return rng.choice(question.values)
    if question.kind is Kind.INTEGER:
        return rng.randint(question.minimum, question.maximum)
    others = [value for value in question.values if value != EXCLUSIVE_VALUE]
    if EXCLUSIVE_VALUE in question.values and rng.random() < 0.2:
        return [EXCLUSIVE_VALUE]
    chosen = [value for value in others if rng.random() < 0.3]
    return chosen if chosen or question.optional else [rng.choice(others)]


def random_patients(vocabulary, count, seed=14):
    """``count`` valid raw answer sets: asked questions answered (optional ones sometimes not), sometimes
    stray answers to questions not asked, contradictions corrected as a clinician would."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    patients = []
    while len(patients) < count:
        raw = {}
        for question in vocabulary.values():
            if is_asked(question, raw):
                if question.optional and rng.random() < 0.3:
                    continue
                raw[question.key] = _value(rng, question)
            elif rng.random() < 0.25:
                raw[question.key] = _value(rng, question)
        raw = make_consistent(raw)
        try:
            clean_answers(raw, vocabulary=vocabulary)
        except AnswersError:
            continue
        patients.append(raw)
    return patients


def applicable_actions(plan_definition):
    """action id -> the applicability expressions that must all hold for it (its own, and its parents')."""
    found = {}

    def walk(actions, inherited):
        for action in actions:
            own = [condition["expression"]["expression"] for condition in action.get("condition", [])]
            chain = [*inherited, *own]
            if action["id"] != PITFALLS_ACTION:
                found[action["id"]] = chain
            walk(action.get("action", []), chain)

    walk(plan_definition["action"], [])
    return found


class TestTheEnginesAgree:
    def test_on_every_statement_for_every_scenario_and_300_random_patients(self, client, first_edition, first_snapshot):
        plan_definition = client.get("/fhir/PlanDefinition/bme-pathway").json()
        questionnaire = client.get("/fhir/Questionnaire/bme-pathway").json()
        actions = applicable_actions(plan_definition)
        expressions = sorted({expression for chain in actions.values() for expression in chain})
        assert len(expressions) > 20  # the first edition's conditions, not a vacuous few

        vocabulary = first_snapshot.vocabulary
        scenarios = [scenario.answers for scenario in Scenario.objects.filter(is_active=True)]
        assert len(scenarios) > 10
        patients = scenarios + random_patients(vocabulary, PATIENTS)
        responses = [questionnaire_response(questionnaire, answers_for(questionnaire, raw)) for raw in patients]
        expected = [
            {
                action_id(item.entry)
                for item in build_plan(clean_answers(raw, vocabulary=vocabulary), first_snapshot).shown
            }
            for raw in patients
        ]
        # Every action that can apply does for someone, and every conditional one is also left out for someone.
        assert set().union(*expected) == set(actions)
        assert all(any(key not in shown for shown in expected) for key, chain in actions.items() if chain)

        for name, rows in (
            ("fhirpathpy", fhirpathpy_results(expressions, responses)),
            ("fhirpath.js", fhirpath_js(expressions, responses)),
        ):
            for raw, row, shown in zip(patients, rows, expected, strict=True):
                holds = {
                    expression: truth(result, expression) for expression, result in zip(expressions, row, strict=True)
                }
                applies = {key for key, chain in actions.items() if all(holds[e] for e in chain)}
                assert applies == shown, f"{name} disagrees for {raw}: {sorted(applies ^ shown)}"

    def test_condition_by_condition_for_every_operator_and_question(self, first_snapshot):
        """Each row the board can write, alone and combined: every operator on every question of the first
        edition, against answer sets that make it hold and fail (including absent and empty answers)."""
        vocabulary = first_snapshot.vocabulary
        served = ServedEdition(first_snapshot, None, "http://testserver/fhir")
        questionnaire = build_questionnaire(served)
        rng = random.Random(7)  # noqa: S311 - seeded test data
        rules = []
        for question in vocabulary.values():
            for operator in operators_for(question):
                if operator in (Operator.IS_EMPTY, Operator.IS_ANSWERED):
                    values = [None]
                elif operator is Operator.ONE_OF:
                    values = [tuple(question.values[:2]), tuple(question.values[-2:])]
                elif question.kind is Kind.INTEGER:
                    values = sorted(
                        {question.minimum, question.maximum, rng.randint(question.minimum, question.maximum)}
                    )
                else:
                    values = list(question.values)
                rules += [Rule.of(Match.ALL, [Condition(question.key, operator, value)]) for value in values]
        # Combinations: "all" and "any" over rows, and one level of groups, drawn from those rows.
        rows = [rule.conditions[0] for rule in rules]
        for _ in range(20):
            picked = rng.sample(rows, 3)
            grouped = [Condition(c.question, c.operator, c.value, "g") for c in picked[:2]] + [picked[2]]
            rules += [Rule.of(Match.ALL, picked), Rule.of(Match.ANY, picked)]
            rules += [Rule.of(Match.ALL, grouped), Rule.of(Match.ANY, grouped)]
        rules.append(Rule.never())
        expressions = [applicability(rule, vocabulary) for rule in rules]
        assert None not in expressions

        patients = random_patients(vocabulary, 40, seed=3)
        responses = [questionnaire_response(questionnaire, answers_for(questionnaire, raw)) for raw in patients]
        cleaned = [clean_answers(answers_for(questionnaire, raw), vocabulary=vocabulary) for raw in patients]
        expected = [[rule.outcome(answers).applies for rule in rules] for answers in cleaned]
        # Most single rows hold for some patient and fail for another, or the comparison tests little (some
        # cannot: a bound no answer passes, a question the Questionnaire does not ask).
        singles = [i for i, rule in enumerate(rules) if len(rule.conditions) == 1]
        telling = sum(any(row[i] for row in expected) and not all(row[i] for row in expected) for i in singles)
        assert telling > 0.6 * len(singles)

        for name, results in (
            ("fhirpathpy", fhirpathpy_results(expressions, responses)),
            ("fhirpath.js", fhirpath_js(expressions, responses)),
        ):
            for answers, row, wanted in zip(cleaned, results, expected, strict=True):
                for rule, expression, result, applies in zip(rules, expressions, row, wanted, strict=True):
                    assert truth(result, expression) == applies, (
                        f"{name}: {rule.describe(vocabulary)} for {answers}: expression {expression}"
                    )
