"""The pure comparison of editions and of plans (bme_wizard/pathway/compare.py)."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.compare import (
    DELETE,
    EQUAL,
    INSERT,
    answers_for_today,
    compare_editions,
    plan_compare,
    word_diff,
)
from bme_wizard.pathway.conditions import Match, Rule, parse_condition
from bme_wizard.pathway.plan import build_plan
from tests.conftest import answers
from tests.test_plan_properties import valid_answers

pytestmark = pytest.mark.django_db  # the first_snapshot fixture needs the test database


def _old_and_new(chunks):
    old = "".join(chunk.text for chunk in chunks if chunk.op in (EQUAL, DELETE))
    new = "".join(chunk.text for chunk in chunks if chunk.op in (EQUAL, INSERT))
    return old, new


def test_word_diff_marks_whole_words():
    chunks = word_diff("Start with an NSAID for two weeks.", "Start with an NSAID for six weeks.")
    assert [(c.op, c.text) for c in chunks] == [
        (EQUAL, "Start with an NSAID for "),
        (DELETE, "two"),
        (INSERT, "six"),
        (EQUAL, " weeks."),
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .,\n", max_size=40), st.text(alphabet="ab .,\n", max_size=40))
def test_word_diff_rebuilds_both_texts(old, new):
    assert _old_and_new(word_diff(old, new)) == (old, new)


@given(st.text(max_size=60))
def test_word_diff_of_a_text_with_itself_has_no_change(text):
    assert all(chunk.op == EQUAL for chunk in word_diff(text, text))


def _rename(snapshot, **texts):
    """The snapshot with some recommendations' text replaced, by key."""
    recommendations = tuple(
        replace(entry, text=texts[entry.key]) if entry.key in texts else entry for entry in snapshot.recommendations
    )
    return replace(snapshot, recommendations=recommendations)


def test_an_edition_compared_with_itself_is_empty(first_snapshot):
    diff = compare_editions(first_snapshot, first_snapshot)
    assert diff.is_empty
    assert diff.kind("recommendation").unchanged == len(first_snapshot.recommendations)
    assert diff.kind("reference").unchanged == len(first_snapshot.references)


def test_review_status_alone_is_no_content_change(first_snapshot):
    approved = replace(
        first_snapshot,
        recommendations=tuple(replace(r, review_status="approved") for r in first_snapshot.recommendations),
    )
    assert compare_editions(first_snapshot, approved).is_empty


def test_added_removed_and_changed_statements(first_snapshot):
    first = next(r for r in first_snapshot.recommendations if r.rule.conditions)
    second, *rest = (r for r in first_snapshot.recommendations if r is not first)
    new_text = first.text.replace("bone marrow edema", "marrow oedema", 1)
    assert new_text != first.text
    changed = replace(first, text=new_text, strength="strong", rule=Rule.of(Match.ALL, ()))
    added = replace(second, key="brand-new", id=999_999, text="A new statement.")
    new = replace(first_snapshot, recommendations=(changed, added, *rest))  # second removed, first moved

    diff = compare_editions(first_snapshot, new, labels={"strength": {"strong": "Strong"}}).kind("recommendation")
    assert [item.key for item in diff.added] == ["brand-new"]
    assert [item.key for item in diff.removed] == [second.key]
    assert [item.key for item in diff.changed] == [first.key]
    assert diff.unchanged == len(rest)
    fields = {field.name: field for field in diff.changed[0].fields}
    assert set(fields) == {"Text", "Strength", "Applies when"}
    text = [(c.op, c.text) for c in fields["Text"].chunks]
    assert (DELETE, "bone ") in text and (DELETE, "edema") in text and (INSERT, "oedema") in text
    assert fields["Strength"].new == "Strong"
    assert fields["Applies when"].new == "always"


def test_changed_conditions_and_citations_are_named(first_snapshot):
    pitfall = first_snapshot.pitfalls[0]
    condition = parse_condition("site", "equals", "hip")
    reference_ids = list(first_snapshot.references)
    other = next(ref_id for ref_id in reference_ids if ref_id not in pitfall.citations)
    changed = replace(pitfall, rule=Rule.of(Match.ALL, (condition,)), citations=(*pitfall.citations, other))
    new = replace(first_snapshot, pitfalls=(changed, *first_snapshot.pitfalls[1:]))

    [item] = compare_editions(first_snapshot, new).kind("pitfall").changed
    fields = {field.name: field for field in item.fields}
    assert "Hip" in fields["Applies when"].new
    assert first_snapshot.references[other].key in [c.text for c in fields["Citations"].chunks if c.op == INSERT]


def test_plans_under_the_same_edition_are_the_same(first_snapshot):
    plan = build_plan(answers(context="transient_bme"), first_snapshot)
    assert plan_compare(plan, plan).is_same


def test_plan_compare_marks_statements_for_this_case(first_snapshot):
    patient = answers(context="transient_bme", response="no_change", conservative_weeks=10)
    old_plan = build_plan(patient, first_snapshot)
    shown = old_plan.recommendations
    assert len(shown) >= 3
    dropped, reworded = shown[0].entry, shown[1].entry
    new = _rename(first_snapshot, **{reworded.key: reworded.text + " Review after six weeks."})
    new = replace(new, recommendations=tuple(r for r in new.recommendations if r.key != dropped.key))
    new_plan = build_plan(patient, new)

    diff = plan_compare(old_plan, new_plan)
    assert not diff.is_same
    assert [item.entry.key for item in diff.statements_removed] == [dropped.key]
    assert [change.new.entry.key for change in diff.statements_changed] == [reworded.key]
    assert (INSERT, " Review after six weeks.") in [(c.op, c.text) for c in diff.statements_changed[0].text_chunks]
    assert diff.statements_unchanged == len(shown) - 2
    old_marks = {m.item.entry.key: m.mark for s in diff.old.sections for m in s.items}
    new_marks = {m.item.entry.key: m.mark for s in diff.new.sections for m in s.items}
    assert old_marks[dropped.key] == "removed" and dropped.key not in new_marks
    assert old_marks[reworded.key] == new_marks[reworded.key] == "changed"


def test_a_condition_change_that_still_holds_is_no_change_for_this_case(first_snapshot):
    patient = answers(
        context="transient_bme",
        response="no_change",
        treatments_tried=["nsaids"],
        symptom_weeks=10,
        conservative_weeks=10,
        vitamin_d_calcium="unknown",
    )
    old_plan = build_plan(patient, first_snapshot)
    statement = next(item.entry for item in old_plan.recommendations if item.entry.rule.conditions)
    loosened = replace(
        first_snapshot,
        recommendations=tuple(
            replace(r, rule=Rule.of(Match.ALL, ())) if r.key == statement.key else r
            for r in first_snapshot.recommendations
        ),
    )
    assert plan_compare(old_plan, build_plan(patient, loosened)).is_same


def test_saved_answers_that_still_fit_are_kept_whole():
    assert answers_for_today(answers()) == (answers(), ())


def test_saved_answers_missing_a_question_asked_today_are_named():
    kept, missing = answers_for_today(answers(vitamin_d_calcium=None, site="elbow"))
    assert missing == ("site", "vitamin_d_calcium")
    assert "site" not in kept and "vitamin_d_calcium" not in kept
    assert kept["context"] == answers()["context"]


PLAN_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PLAN_SETTINGS
@given(raw=valid_answers(), index=st.integers(min_value=0))
def test_a_reworded_statement_is_a_change_for_exactly_the_patients_it_is_shown_to(first_snapshot, raw, index):
    patient = clean_answers(raw)
    entry = first_snapshot.recommendations[index % len(first_snapshot.recommendations)]
    reworded = _rename(first_snapshot, **{entry.key: entry.text + " Reworded."})
    old_plan = build_plan(patient, first_snapshot)
    assert plan_compare(old_plan, old_plan).is_same
    diff = plan_compare(old_plan, build_plan(patient, reworded))
    # Shown as advice or as already tried: either way a clinician reads its text.
    shown = entry.key in {item.entry.key for item in (*old_plan.recommendations, *old_plan.tried)}
    assert [change.new.entry.key for change in diff.statements_changed] == ([entry.key] if shown else [])
    assert not (diff.statements_added or diff.statements_removed or diff.pathways_added or diff.pitfalls_added)
