"""The shipped first edition: complete, cited, honest about its review state."""

import json
import re

import pytest

from bme_wizard.content.models import (
    Edition,
    EditionItem,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    ReviewStatus,
)
from tests.conftest import FIRST_EDITION_FILE

pytestmark = pytest.mark.django_db

SEED_REFERENCE_TITLES = {
    "Bone Marrow Edema Diagnosis and Treatment",
    "How We Manage Bone Marrow Edema-An Interdisciplinary Approach",
    "Guideline Directed Topic Overview",
    "Treatment of T8 Compression Fracture",
    "Research Advances in the Treatment of Bone Marrow Edema Syndrome",
}


def test_it_loads_as_the_current_published_edition(first_edition):
    assert first_edition.number == 1
    assert first_edition.status == EditionStatus.PUBLISHED
    assert Edition.objects.current() == first_edition


def test_it_holds_every_clinical_context_and_pitfall_of_the_seed(first_edition):
    assert set(Pathway.objects.filter(edition=first_edition).values_list("key", flat=True)) == {
        "workup",
        "vertebral_fracture",
        "inflammatory_arthropathy",
        "transient_bme",
        "refractory",
        "charcot_foot",
        "multiple_myeloma",
        "cno",
    }
    seed_pitfalls = {
        "pitfall-nonspecific",
        "pitfall-not-on-bme-alone",
        "pitfall-immobilisation",
        "pitfall-opioid-overuse",
    }
    assert seed_pitfalls <= set(Pitfall.objects.filter(edition=first_edition).values_list("key", flat=True))
    assert Recommendation.objects.filter(edition=first_edition).count() >= 25


def test_every_statement_cites_at_least_one_reference(first_edition):
    for model in (Recommendation, Pitfall):
        uncited = model.objects.filter(edition=first_edition, citations__isnull=True)
        assert not uncited.exists(), list(uncited.values_list("key", flat=True))


def test_each_pathway_cites_at_least_one_seed_reference(first_edition):
    for pathway in Pathway.objects.filter(edition=first_edition):
        cited = Reference.objects.filter(cited_by__item__in=[pathway, *pathway.recommendations.all()])
        assert cited.filter(title__in=SEED_REFERENCE_TITLES).exists(), pathway.key


EVIDENCE_CHECK_REFERENCES = {
    "evidence-check",
    "nogg-guideline",
    "berenson-cafe-2011",
    "boyesen-2011",
    "de-winter-2018",
    "renson-2020",
    "acr-2019-criteria",
}


def test_all_seed_references_are_present_and_none_is_invented(first_edition):
    references = Reference.objects.filter(edition=first_edition)
    complete = set(references.exclude(is_incomplete=True).values_list("title", flat=True))
    assert complete == SEED_REFERENCE_TITLES | {
        "Independent evidence check of the source's claims against public primary sources"
    }
    # The seed gives no DOI, PMID or URL: only records of primary sources the evidence check names carry
    # one, and those it leaves untitled are incomplete records that say so.
    with_identifiers = set(references.exclude(doi="", pmid="", url="").values_list("key", flat=True))
    assert with_identifiers and with_identifiers <= EVIDENCE_CHECK_REFERENCES
    assert not references.filter(key__in=EVIDENCE_CHECK_REFERENCES, is_incomplete=True, incomplete_note="").exists()


def test_every_statement_the_evidence_check_doubts_carries_a_cited_caution(first_edition):
    from bme_wizard.content.models import BLOCKING_COMMENT_KINDS, CitationPart

    doubted = EditionItem.objects.filter(
        edition=first_edition, review_comments__is_open=True, review_comments__kind__in=BLOCKING_COMMENT_KINDS
    ).distinct()
    assert doubted.count() >= 5
    for item in doubted:
        statement = item.as_concrete()
        assert statement.caution.strip(), statement.key
        assert statement.citations.filter(part=CitationPart.CAUTION).exists(), statement.key
    for model in (Recommendation, Pitfall):
        for statement in model.objects.filter(edition=first_edition).exclude(caution=""):
            assert statement.citations.filter(part=CitationPart.CAUTION).exists(), statement.key


def test_the_missing_citation_6_is_an_incomplete_record_not_an_invention(first_edition):
    six = Reference.objects.get(edition=first_edition, key="source-citation-6-denosumab")
    assert (six.title, six.authors, six.source, six.year, six.doi, six.pmid) == ("", "", "", None, "", "")
    assert "no entry 6" in six.incomplete_note
    assert "Incomplete record" in six.citation_text()
    denosumab = Recommendation.objects.get(edition=first_edition, key="refractory-denosumab")
    assert list(denosumab.citations.filter(part="statement").values_list("reference", flat=True)) == [six.pk]


def test_items_await_human_review(first_edition):
    statuses = set(EditionItem.objects.filter(edition=first_edition).values_list("review_status", flat=True))
    assert statuses == {ReviewStatus.SUBMITTED}


@pytest.mark.parametrize(
    ("key", "finding"),
    [
        ("workup-deep-bme", "no depth criterion"),
        ("vcf-kyphoplasty-cancer", "CAFE trial"),
        ("vcf-augmentation-after-3-months", "3-month trigger"),
        ("ia-predictor-ra", "0.75 to 0.82 were not found"),
        ("tbme-natural-course", "6 to 12 months"),
        ("refractory-denosumab", "14 patients"),
        ("charcot-suspect-osteomyelitis", "89% vs 87%"),
        ("pitfall-nonspecific", "23.4%"),
        ("source-citation-6-denosumab", "Injury, 2017"),
        ("refractory", "The 2-week minimum is an editorial choice"),
    ],
)
def test_evidence_check_findings_are_open_review_comments_on_their_statements(first_edition, key, finding):
    item = EditionItem.objects.get(edition=first_edition, key=key)
    comments = ReviewComment.objects.filter(item=item, is_open=True)
    assert any(finding in comment.body for comment in comments), [c.body for c in comments]


def test_seed_figures_are_carried_over(first_edition):
    texts = " ".join(Recommendation.objects.filter(edition=first_edition).values_list("text", flat=True))
    for figure in [
        "6 to 8 weeks",
        "3 months",
        "about 80%",
        "0.75 to 0.82",
        "2.77-fold",
        "3 to 9 months",
        "93%",
        "50%",
        "6 to 12 weeks",
        "more than 1 cm",
    ]:
        assert figure in texts, figure


def test_no_identifier_appears_in_the_file_unless_the_evidence_check_gives_it():
    text = FIRST_EDITION_FILE.read_text(encoding="utf-8")
    evidence_ids = {
        "10.2106/jbjs.21.00300",
        "10.1148/radiol.2016152665",
        "10.1016/S1470-2045(11)70008-0",
        "10.1186/1472-684X-8-12",
        "10.1136/ard.2009.123950",
        "10.1007/s00256-008-0529-1",
        "10.1186/s12891-015-0837-2",
        "10.1016/j.jacr.2019.05.027",
        "10.1136/annrheumdis-2020-217095",
    }
    evidence_pmids = {"27905865", "18629460", "31685111"}
    dois = re.findall(r"10\.\d{4,}/\S+", text)
    assert dois, "the evidence check's identifiers should appear in review comments"
    for doi in dois:
        assert any(doi.startswith(known) for known in evidence_ids), doi
    assert set(re.findall(r"PMID (\d+)", text)) <= evidence_pmids
    assert json.loads(text)["edition"]["number"] == 1
