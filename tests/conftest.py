import json
from pathlib import Path

import pytest

from bme_wizard.content.models import Edition, EditionStatus, Pathway, Recommendation, Reference
from bme_wizard.content.services import edition_import

ROOT = Path(__file__).resolve().parent.parent
FIRST_EDITION_FILE = ROOT / "fixtures" / "edition-1.json"


@pytest.fixture
def first_edition_document():
    return json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def first_edition(db, first_edition_document):
    """The shipped first edition, loaded and published exactly as `make setup` does."""
    return edition_import(document=first_edition_document, publish=True)


@pytest.fixture
def draft_edition(db):
    """A small draft edition: one pathway, one reference, one cited recommendation."""
    edition = Edition.objects.create(number=50, title="Draft for tests", status=EditionStatus.DRAFT)
    reference = Reference.objects.create(edition=edition, key="ref-a", kind="research", title="A study", year=2020)
    pathway = Pathway.objects.create(edition=edition, key="pathway-a", title="Pathway A")
    recommendation = Recommendation.objects.create(
        edition=edition, pathway=pathway, key="rec-a", section="first_line", text="Do the first thing."
    )
    recommendation.citations.create(reference=reference)
    return edition
