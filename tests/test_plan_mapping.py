"""One test for each bullet of DESIGN.md "How the seed maps to conditions" (first edition).

Each test shows the statement for the triggering answers and hides it when the trigger changes.
"""

import pytest

from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan
from tests.conftest import answers

pytestmark = pytest.mark.django_db  # the first_snapshot fixture needs the test database


@pytest.fixture
def shown(first_snapshot):
    """Keys of the pathways, recommendations and pitfalls shown for BASE_ANSWERS with changes."""

    def keys(**changes):
        plan = build_plan(clean_answers(answers(**changes)), first_snapshot)
        return {item.entry.key for item in plan.shown}

    return keys


@pytest.fixture
def plan_for(first_snapshot):
    return lambda **changes: build_plan(clean_answers(answers(**changes)), first_snapshot)


class TestWorkUp:
    def test_no_mri_means_obtain_one(self, shown):
        assert "workup-obtain-mri" in shown(mri_done="no")
        assert "workup-obtain-mri" not in shown(mri_done="yes")

    def test_missing_t1_means_add_t1(self, shown):
        assert "workup-add-t1" in shown(sequences=["stir", "dce"])
        assert "workup-add-t1" not in shown(sequences=["stir", "t1", "dce"])

    @pytest.mark.parametrize("change", [{"site": "sacroiliac"}, {"site": "spine"}, {"context": "axial_spa"}])
    def test_sacroiliac_spine_or_axial_spa_means_look_for_deep_edema_when_its_depth_is_unknown(self, shown, change):
        assert "workup-deep-bme" in shown(**change, bme_depth_over_1cm="unknown")
        if "context" in change:
            assert "workup-deep-bme" in shown(**change, mri_done="no")  # to read on the MRI to come
        assert "workup-deep-bme" not in shown(site="knee", context="cno", bme_depth_over_1cm="unknown")
        # Depth answered: the plan says what it means instead of asking to look for it.
        assert "workup-deep-bme" not in shown(**change, bme_depth_over_1cm="no")
        deep = shown(**change, bme_depth_over_1cm="yes")
        assert "workup-deep-bme-found" in deep and "workup-deep-bme" not in deep
        assert "workup-deep-bme-found" not in shown(site="knee", context="cno", bme_depth_over_1cm="yes")

    @pytest.mark.parametrize(
        "change", [{"site": "hip"}, {"context": "transient_bme"}, {"context": "unclear", "response": "improving"}]
    )
    def test_hip_transient_or_unclear_without_dce_means_consider_dce(self, shown, change):
        assert "workup-consider-dce" in shown(dce_pattern="not_done", **change)
        assert "workup-consider-dce" not in shown(dce_pattern="spot", **change)
        assert "workup-consider-dce" not in shown(dce_pattern="not_done", site="knee", context="cno")

    def test_a_dce_rim_warns_of_osteonecrosis_and_suppresses_the_transient_reassurance(self, shown):
        assert "workup-dce-rim" in shown(dce_pattern="rim")
        assert "workup-dce-rim" not in shown(dce_pattern="spot")
        transient = {"context": "transient_bme", "site": "hip", "treatments_tried": ["nsaids"], "response": "no_change"}
        spot = shown(**transient, dce_pattern="spot")
        rim = shown(**transient, dce_pattern="rim")
        assert {"tbme-natural-course", "tbme-imaging-hip", "refractory"} <= spot
        assert not {"tbme-natural-course", "tbme-imaging-hip", "refractory", "refractory-denosumab"} & rim

    @pytest.mark.parametrize(
        ("change", "notice"),
        [({"mri_done": "no"}, "workup-obtain-mri"), ({"bme_on_fluid_sensitive": "no"}, "workup-no-edema"),
         ({"bme_on_fluid_sensitive": "unsure"}, "workup-edema-uncertain")],
    )  # fmt: skip
    def test_without_an_mri_that_shows_edema_the_plan_is_the_work_up(self, shown, change, notice):
        escalation = {"refractory-denosumab", "vcf-augmentation-after-3-months", "vcf-augmentation-severe-pain",
                      "vcf-kyphoplasty-cancer", "myeloma-augmentation"}  # fmt: skip
        for patient in (
            {"context": "unclear", "treatments_tried": ["nsaids"], "response": "no_change"},
            {"context": "vertebral_fracture", "fracture_cause": "cancer", "conservative_weeks": 14,
             "symptom_weeks": 16, "response": "worsening", "severe_pain": "yes"},
            {"context": "multiple_myeloma", "fracture_cause": "myeloma", "severe_pain": "yes"},
        ):  # fmt: skip
            plan = shown(**patient, **change)
            assert notice in plan and not escalation & plan, patient

    @pytest.mark.parametrize(
        ("findings", "shown_key", "hidden_key"),
        [(["erosions"], "workup-structural-support", "workup-look-for-structural"),
         (["fat_deposition", "fracture_line"], "workup-structural-support", "workup-look-for-structural"),
         (["none"], "workup-look-for-structural", "workup-structural-support"),
         (["fracture_line"], "workup-look-for-structural", "workup-structural-support")],
    )  # fmt: skip
    def test_structural_findings_weigh_the_inflammatory_reading(self, shown, findings, shown_key, hidden_key):
        plan = shown(context="rheumatoid_arthritis", structural_findings=findings)
        assert shown_key in plan and hidden_key not in plan
        assert not {shown_key, hidden_key} & shown(context="cno", structural_findings=findings)


class TestVertebralFracture:
    CONSERVATIVE = {"vcf-nsaids", "vcf-opioids-short-term", "vcf-natural-course", "vcf-mobilise"}

    def test_conservative_care_first_while_under_12_weeks_or_improving(self, shown):
        vcf = {"context": "vertebral_fracture", "fracture_cause": "osteoporotic"}
        assert self.CONSERVATIVE <= shown(**vcf, conservative_weeks=4, response="no_change")
        assert self.CONSERVATIVE <= shown(**vcf, conservative_weeks=20, symptom_weeks=22, response="improving")
        late = shown(**vcf, conservative_weeks=12, symptom_weeks=14, response="no_change")
        assert not (self.CONSERVATIVE - {"vcf-mobilise"}) & late
        assert "vcf-mobilise" in late  # early mobilisation stays advice at every stage

    def test_12_weeks_without_improvement_means_offer_augmentation(self, shown):
        vcf = {"context": "vertebral_fracture", "fracture_cause": "osteoporotic", "symptom_weeks": 14}
        assert "vcf-augmentation-after-3-months" in shown(**vcf, conservative_weeks=12, response="worsening")
        assert "vcf-augmentation-after-3-months" not in shown(**vcf, conservative_weeks=11, response="worsening")
        assert "vcf-augmentation-after-3-months" not in shown(**vcf, conservative_weeks=12, response="improving")

    def test_severe_pain_means_consider_earlier_augmentation(self, shown):
        vcf = {"context": "vertebral_fracture", "fracture_cause": "osteoporotic"}
        assert "vcf-augmentation-severe-pain" in shown(**vcf, severe_pain="yes")
        assert "vcf-augmentation-severe-pain" not in shown(**vcf, severe_pain="no")

    @pytest.mark.parametrize("cause", ["cancer", "myeloma"])
    def test_cancer_or_myeloma_cause_means_kyphoplasty_relief_figure_once_augmentation_is_due(self, shown, cause):
        vcf = {"context": "vertebral_fracture", "fracture_cause": cause}
        due = {"conservative_weeks": 12, "symptom_weeks": 14, "response": "no_change"}
        assert "vcf-kyphoplasty-cancer" in shown(**vcf, **due)
        assert "vcf-kyphoplasty-cancer" in shown(**vcf, severe_pain="yes", response="no_change")
        assert "vcf-kyphoplasty-cancer" not in shown(**vcf, conservative_weeks=14, symptom_weeks=16)  # improving
        assert "vcf-kyphoplasty-cancer" not in shown(**vcf)  # four weeks, improving: not yet
        assert "vcf-kyphoplasty-cancer" not in shown(context="vertebral_fracture", fracture_cause="osteoporotic", **due)

    def test_not_shown_outside_vertebral_fracture(self, shown):
        assert not {"vertebral_fracture", *self.CONSERVATIVE} & shown(context="cno")


class TestInflammatoryArthropathy:
    def test_edema_predicts_progression_in_rheumatoid_arthritis(self, shown):
        assert {"inflammatory_arthropathy", "ia-predictor-ra"} <= shown(context="rheumatoid_arthritis")
        assert "ia-predictor-ra" not in shown(context="axial_spa")
        assert "inflammatory_arthropathy" not in shown(context="cno")

    def test_ramris_over_2_means_2_77_fold_odds(self, shown):
        ra_hand = {"context": "rheumatoid_arthritis", "site": "hand_wrist"}
        assert "ia-ramris-over-2" in shown(**ra_hand, ramris_bme=3)
        assert "ia-ramris-over-2" not in shown(**ra_hand, ramris_bme=2)
        assert "ia-ramris-over-2" not in shown(**ra_hand)  # not scored: absent answer, condition false

    @pytest.mark.parametrize("context", ["rheumatoid_arthritis", "axial_spa"])
    def test_edema_means_treat_the_disease_with_dmards(self, shown, context):
        assert "ia-treat-disease" in shown(context=context, bme_on_fluid_sensitive="yes")
        assert "ia-treat-disease" not in shown(context=context, bme_on_fluid_sensitive="no")

    def test_deep_edema_is_the_specific_sign_in_axial_spa(self, shown):
        assert "workup-deep-bme" in shown(context="axial_spa", site="knee", bme_depth_over_1cm="unknown")
        assert "workup-deep-bme-found" in shown(context="axial_spa", site="knee", bme_depth_over_1cm="yes")


class TestTransientBoneMarrowEdema:
    def test_self_limiting_and_conservative_care(self, shown):
        assert {"tbme-natural-course", "tbme-conservative"} <= shown(context="transient_bme")
        assert not {"tbme-natural-course", "tbme-conservative"} & shown(context="cno")


class TestRefractory:
    DENOSUMAB = {"refractory", "refractory-denosumab", "refractory-alternatives"}

    TRIED = {"treatments_tried": ["nsaids"], "conservative_weeks": 2}

    @pytest.mark.parametrize("context", ["transient_bme", "unclear"])
    @pytest.mark.parametrize("response", ["no_change", "worsening"])
    def test_conservative_care_tried_without_improvement_means_denosumab_and_alternatives(
        self, shown, context, response
    ):
        assert self.DENOSUMAB <= shown(context=context, response=response, **self.TRIED)
        weight_bearing = {"treatments_tried": ["protected_weight_bearing"], "conservative_weeks": 6}
        assert self.DENOSUMAB <= shown(context=context, response=response, **weight_bearing)
        assert not self.DENOSUMAB & shown(context=context, response="improving", **self.TRIED)

    @pytest.mark.parametrize(
        "change",
        [
            {"treatments_tried": []},  # nothing tried yet
            {"treatments_tried": ["opioids"]},  # no conservative treatment of the source among those tried
            {"conservative_weeks": 1},  # under the 2-week minimum
            {"mri_done": "no"},
            {"bme_on_fluid_sensitive": "no"},
            {"bme_on_fluid_sensitive": "unsure"},
            {"dce_pattern": "rim"},
        ],
    )
    def test_refractory_needs_conservative_care_tried_for_2_weeks_and_an_mri_with_edema(self, shown, change):
        assert not self.DENOSUMAB & shown(context="transient_bme", response="no_change", **{**self.TRIED, **change})

    @pytest.mark.parametrize(
        "change",
        [
            {"context": "vertebral_fracture", "fracture_cause": "osteoporotic"},
            {"context": "rheumatoid_arthritis"},
            {"context": "charcot_foot", "foot_signs": ["none"]},
            {"context": "multiple_myeloma", "fracture_cause": "myeloma"},
        ],
    )
    def test_contexts_with_their_own_escalation_do_not_get_denosumab(self, shown, change):
        assert not self.DENOSUMAB & shown(response="worsening", **change)

    @pytest.mark.parametrize("status", ["abnormal", "unknown"])
    def test_vitamin_d_and_calcium_not_normal_is_flagged(self, shown, status):
        refractory = {"context": "transient_bme", "response": "no_change", **self.TRIED}
        assert "refractory-check-vitamin-d-calcium" in shown(**refractory, vitamin_d_calcium=status)
        assert "refractory-check-vitamin-d-calcium" not in shown(**refractory, vitamin_d_calcium="normal")


class TestCharcotFoot:
    def test_offloading_is_mandatory(self, shown):
        assert "charcot-offloading" in shown(context="charcot_foot", foot_signs=["none"])
        assert "charcot-offloading" not in shown(context="cno")

    @pytest.mark.parametrize("sign", ["ulcer", "cellulitis", "abscess"])
    def test_signs_of_infection_mean_suspect_osteomyelitis(self, shown, sign):
        assert "charcot-suspect-osteomyelitis" in shown(context="charcot_foot", foot_signs=[sign])
        assert "charcot-suspect-osteomyelitis" not in shown(context="charcot_foot", foot_signs=["none"])


class TestMultipleMyeloma:
    def test_treat_the_malignancy(self, shown):
        assert "myeloma-treat-malignancy" in shown(context="multiple_myeloma", fracture_cause="unknown")
        assert "myeloma-treat-malignancy" in shown(context="vertebral_fracture", fracture_cause="myeloma")
        assert "myeloma-treat-malignancy" not in shown(context="vertebral_fracture", fracture_cause="osteoporotic")

    @pytest.mark.parametrize("cause", ["osteoporotic", "cancer", "myeloma", "trauma", "unknown"])
    def test_augmentation_for_painful_pathological_fractures_whatever_the_cause_answer(self, shown, cause):
        myeloma = {"context": "multiple_myeloma", "fracture_cause": cause}
        assert "myeloma-augmentation" in shown(**myeloma, response="no_change")
        assert "myeloma-augmentation" in shown(**myeloma, severe_pain="yes")
        assert "myeloma-augmentation" not in shown(**myeloma, response="improving", severe_pain="no")


class TestChronicNonBacterialOsteitis:
    def test_edema_is_an_activity_marker_followed_by_mri(self, shown):
        assert "cno-mri-activity" in shown(context="cno")
        assert "cno-mri-activity" not in shown(context="unclear")


class TestPitfalls:
    def test_edema_is_nonspecific_for_everyone(self, shown):
        assert "pitfall-nonspecific" in shown(context="cno")
        assert "pitfall-nonspecific" in shown(mri_done="no")

    @pytest.mark.parametrize(
        ("flag", "pitfall"),
        [("postpartum", "pitfall-nonspecific-postpartum"), ("athlete", "pitfall-nonspecific-athlete"),
         ("chronic_back_pain", "pitfall-nonspecific-back-pain")],
    )  # fmt: skip
    def test_population_flags_tailor_the_nonspecific_pitfall(self, shown, flag, pitfall):
        assert pitfall in shown(population_flags=[flag])
        assert pitfall not in shown(population_flags=[])

    @pytest.mark.parametrize("context", ["rheumatoid_arthritis", "axial_spa", "unclear"])
    def test_never_diagnose_inflammatory_arthropathy_on_edema_alone(self, shown, context):
        assert "pitfall-not-on-bme-alone" in shown(context=context)
        assert "pitfall-not-on-bme-alone" not in shown(context="cno")

    def test_avoid_prolonged_immobilisation_in_vertebral_fracture(self, shown):
        assert "pitfall-immobilisation" in shown(context="vertebral_fracture", fracture_cause="osteoporotic")
        assert "pitfall-immobilisation" not in shown(context="cno")

    def test_do_not_overuse_opioids(self, shown):
        assert "pitfall-opioid-overuse" in shown(context="vertebral_fracture", fracture_cause="osteoporotic")
        assert "pitfall-opioid-overuse" in shown(context="cno", treatments_tried=["opioids"])
        assert "pitfall-opioid-overuse" not in shown(context="cno", treatments_tried=["nsaids"])


class TestTriedTreatments:
    def test_a_treatment_already_tried_is_marked_as_tried(self, plan_for):
        def conservative(plan):
            return next(item for item in plan.recommendations if item.entry.key == "tbme-conservative")

        assert conservative(plan_for(context="transient_bme", treatments_tried=["nsaids"])).tried == ("nsaids",)
        assert conservative(plan_for(context="transient_bme", treatments_tried=["opioids"])).tried == ()

    def test_a_statement_whose_treatments_were_all_tried_is_shown_as_tried_not_advised(self, plan_for):
        plan = plan_for(context="transient_bme", treatments_tried=["nsaids", "protected_weight_bearing"])
        assert "tbme-conservative" not in {item.entry.key for item in plan.recommendations}
        [tried] = [item for item in plan.tried if item.entry.key == "tbme-conservative"]
        assert tried.tried == ("nsaids", "protected_weight_bearing")


class TestPlanShape:
    def test_references_are_numbered_by_first_citation_down_the_plan(self, plan_for):
        plan = plan_for(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", response="no_change")
        order = []
        for item in plan.shown:  # a statement's sources, then its caution's
            order += [n for n in (*item.citation_numbers, *item.caution_numbers) if n not in order]
        assert order == list(range(1, len(plan.references) + 1))
        assert [ref.number for ref in plan.references] == order

    def test_recommendations_are_grouped_by_section_in_editorial_order(self, plan_for, first_snapshot):
        plan = plan_for(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", response="no_change")
        section_keys = [key for key, _ in first_snapshot.sections]
        assert [s.key for s in plan.sections] == sorted((s.key for s in plan.sections), key=section_keys.index)
        escalation = next(s for s in plan.sections if s.key == "escalation")
        assert [i.entry.key for i in escalation.items] == ["vcf-augmentation-severe-pain", "vcf-kyphoplasty-cancer"]

    def test_why_names_the_triggering_answers(self, plan_for):
        plan = plan_for(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", response="no_change")
        kyphoplasty = next(i for i in plan.recommendations if i.entry.key == "vcf-kyphoplasty-cancer")
        assert kyphoplasty.why == (
            "“Clinical context” is Vertebral compression fracture",
            "“Cause of the fracture” is one of Cancer, Myeloma",
            "“Bone marrow edema on fluid-sensitive sequences?” is Yes",
            "“Response so far” is one of No change, Worsening",
            "“Severe pain?” is Yes",
        )

    def test_pending_review_while_content_is_only_submitted(self, plan_for):
        assert plan_for().pending_review
