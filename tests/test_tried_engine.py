"""A treatment already tried is a state, not a badge: the engine's "already tried" part.

Built on a small hand-made snapshot (no database), so each rule is seen on its own: a
statement all of whose treatments were tried leaves its section for ``Plan.tried``; one
with only some of them tried stays and names them; one naming no treatment is never tried.
"""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bme_wizard.pathway.compare import plan_compare
from bme_wizard.pathway.conditions import Match, Rule, parse_condition
from bme_wizard.pathway.plan import (
    EditionSnapshot,
    PathwayEntry,
    ReferenceEntry,
    StatementEntry,
    build_plan,
)
from bme_wizard.pathway.scenarios import shown_keys
from bme_wizard.pathway.vocabulary import TREATMENTS

ALWAYS = Rule.of(Match.ALL, ())


def reference(ref_id, status="approved"):
    return ReferenceEntry(ref_id, f"ref-{ref_id}", "research", f"Study {ref_id}", False, status)


def recommendation(ref_id, key, section, treatments=(), citations=(), status="approved", **extra):
    return StatementEntry(
        id=ref_id,
        key=key,
        kind="recommendation",
        text=f"Do {key}.",
        text_html=f"<p>Do {key}.</p>",
        plain_text="",
        plain_html="",
        review_status=status,
        rule=extra.pop("rule", ALWAYS),
        citations=tuple(citations),
        pathway_key="care",
        section=section,
        treatments=tuple(treatments),
        **extra,
    )


def snapshot(*recommendations, pitfall_citations=(4,)):
    return EditionSnapshot(
        id=1,
        number=1,
        title="Hand-made",
        status="published",
        updated_at="2026-01-01T00:00:00+00:00",
        sections=(("assessment", "Assessment"), ("first_line", "First line"), ("escalation", "Escalation")),
        pathways=(PathwayEntry(1, "care", "Care", "", "", "approved", ALWAYS, (1,)),),
        recommendations=tuple(recommendations),
        pitfalls=(
            StatementEntry(
                90, "pitfall", "pitfall", "Beware.", "<p>Beware.</p>", "", "", "approved", ALWAYS, pitfall_citations
            ),
        ),
        references={n: reference(n) for n in range(1, 6)},
    )


SNAPSHOT = snapshot(
    recommendation(10, "assess", "assessment", citations=(2,)),
    recommendation(11, "rest-and-nsaids", "first_line", ("nsaids", "protected_weight_bearing"), citations=(3,)),
    recommendation(12, "nsaids-only", "first_line", ("nsaids",), citations=(5,)),
    recommendation(13, "escalate", "escalation", ("denosumab",)),
)


def plan_for(tried, snap=SNAPSHOT):
    return build_plan({"treatments_tried": list(tried)}, snap)


def keys(items):
    return [item.entry.key for item in items]


def test_a_statement_all_of_whose_treatments_were_tried_moves_to_the_tried_part():
    plan = plan_for(["nsaids", "protected_weight_bearing"])
    assert keys(plan.tried) == ["rest-and-nsaids", "nsaids-only"]  # plan order
    assert keys(plan.recommendations) == ["assess", "escalate"]
    assert [section.key for section in plan.sections] == ["assessment", "escalation"]  # first line emptied: gone
    assert plan.tried[0].tried == ("nsaids", "protected_weight_bearing") and plan.tried[0].all_tried
    assert plan.tried_treatments == ("nsaids", "protected_weight_bearing")


def test_a_statement_with_only_some_treatments_tried_stays_and_says_which():
    plan = plan_for(["nsaids"])
    assert keys(plan.tried) == ["nsaids-only"]
    rest = next(item for item in plan.recommendations if item.entry.key == "rest-and-nsaids")
    assert rest.tried == ("nsaids",) and not rest.all_tried
    assert keys(plan.sections[1].items) == ["rest-and-nsaids"]


def test_a_statement_naming_no_treatment_is_never_tried():
    every = [choice.value for choice in TREATMENTS]
    plan = plan_for(every)
    assert keys(plan.recommendations) == ["assess"]
    assert keys(plan.tried) == ["rest-and-nsaids", "nsaids-only", "escalate"]


def test_nothing_tried_leaves_the_plan_as_it_was():
    plan = plan_for([])
    assert plan.tried == ()
    assert keys(plan.recommendations) == ["assess", "rest-and-nsaids", "nsaids-only", "escalate"]


def test_references_are_numbered_in_page_order_with_the_tried_part_before_the_pitfalls():
    # Pathway cites 1, assess 2, tried statements 3 and 5, the pitfall 4: page order gives 1, 2, 3, 4, 5
    # when the tried part comes before the pitfalls.
    plan = plan_for(["nsaids", "protected_weight_bearing"])
    assert [ref.entry.id for ref in plan.references] == [1, 2, 3, 5, 4]
    assert [item.citation_numbers for item in plan.tried] == [(3,), (4,)]
    assert plan.pitfalls[0].citation_numbers == (5,)


def test_pending_review_counts_the_tried_part():
    pending = snapshot(
        recommendation(10, "assess", "assessment"),
        recommendation(11, "rest", "first_line", ("protected_weight_bearing",), status="submitted"),
    )
    assert plan_for(["protected_weight_bearing"], pending).pending_review
    assert plan_for(["protected_weight_bearing"], pending).review_stage == "submitted"
    assert not plan_for(
        ["protected_weight_bearing"], replace(pending, recommendations=pending.recommendations[:1])
    ).pending_review


def test_scenarios_see_statements_shown_as_tried():
    assert {"rest-and-nsaids", "nsaids-only"} <= shown_keys(plan_for(["nsaids", "protected_weight_bearing"]))


def test_the_edition_wording_for_tried_travels_with_the_entry():
    worded = replace(
        SNAPSHOT.recommendations[2], tried_text="NSAIDs were tried.", tried_html="<p>NSAIDs were tried.</p>"
    )
    plan = plan_for(["nsaids"], replace(SNAPSHOT, recommendations=(*SNAPSHOT.recommendations[:2], worded)))
    assert plan.tried[0].entry.tried_text == "NSAIDs were tried."


def test_a_statement_moving_into_the_tried_part_is_a_change_not_a_removal():
    # The newer edition drops protected weight bearing from the statement: for a patient who tried
    # NSAIDs only, it is now fully tried.
    patient = ["nsaids"]
    new = replace(
        SNAPSHOT,
        recommendations=tuple(
            replace(entry, treatments=("nsaids",)) if entry.key == "rest-and-nsaids" else entry
            for entry in SNAPSHOT.recommendations
        ),
    )
    diff = plan_compare(plan_for(patient), plan_for(patient, new))
    assert not diff.statements_added and not diff.statements_removed
    [change] = diff.statements_changed
    assert change.new.entry.key == "rest-and-nsaids"
    shown_as = next(field for field in change.fields if field.name == "Shown as")
    assert (shown_as.old, shown_as.new) == ("Advice", "Already tried")
    assert keys(m.item for m in diff.new.tried) == ["rest-and-nsaids", "nsaids-only"]
    assert plan_compare(plan_for(patient), plan_for(patient)).is_same


TREATMENT_VALUES = [choice.value for choice in TREATMENTS]


@st.composite
def editions_and_patients(draw):
    """A hand-made edition of statements with random treatments (some none) and conditions on the
    treatments tried, and a random set of treatments tried."""
    count = draw(st.integers(1, 8))
    entries = []
    for index in range(count):
        treatments = draw(st.lists(st.sampled_from(TREATMENT_VALUES), unique=True, max_size=3))
        conditions = ()
        if draw(st.booleans()):
            conditions = (parse_condition("treatments_tried", "excludes", draw(st.sampled_from(TREATMENT_VALUES))),)
        entries.append(
            recommendation(
                100 + index,
                f"statement-{index}",
                draw(st.sampled_from(["assessment", "first_line", "escalation"])),
                treatments,
                citations=draw(st.lists(st.integers(1, 5), unique=True, max_size=2)),
                rule=Rule.of(Match.ALL, conditions),
            )
        )
    tried = draw(st.lists(st.sampled_from(TREATMENT_VALUES), unique=True))
    return snapshot(*entries), tried


@given(editions_and_patients())
def test_a_statement_is_in_the_tried_part_exactly_when_all_its_treatments_were_tried(case):
    snap, tried = case
    plan = plan_for(tried, snap)
    # The same statements are shown, as advice or as tried, as when no statement named a treatment.
    untreated = replace(snap, recommendations=tuple(replace(e, treatments=()) for e in snap.recommendations))
    assert set(keys((*plan.recommendations, *plan.tried))) == set(keys(plan_for(tried, untreated).recommendations))
    for item in plan.tried:
        assert item.entry.treatments and set(item.entry.treatments) <= set(tried), item.entry.key
        assert item.tried == item.entry.treatments
    for item in plan.recommendations:
        assert not (item.entry.treatments and set(item.entry.treatments) <= set(tried)), item.entry.key
        assert set(item.tried) == set(item.entry.treatments) & set(tried)
    # Nothing lost or duplicated, and the tried part keeps plan order.
    shown = keys((*plan.recommendations, *plan.tried))
    assert len(shown) == len(set(shown))
    order = [e.key for key, _ in snap.sections for e in snap.recommendations if e.section == key]
    assert keys(plan.tried) == [key for key in order if key in set(keys(plan.tried))]
    assert all(section.items for section in plan.sections)
    # References: numbered 1, 2, 3… down the page (pathways, sections, tried part, pitfalls).
    seen = []
    for item in (*plan.pathways, *plan.recommendations, *plan.tried, *plan.pitfalls):
        seen += [n for n in item.citation_numbers if n not in seen]
    assert seen == list(range(1, len(plan.references) + 1))
