"""The edition file's schema: the first edition fits it, its JSON Schema is the committed one, and
what an absent field means is what the content model says."""

import json
import subprocess
import sys

import jsonschema
import pytest

from bme_wizard.content import edition_schema as schema
from bme_wizard.content.edition_file import _RENAMED, _STRUCTURE  # a file's names for model fields; structure
from bme_wizard.content.models import (
    EditionText,
    Pathway,
    Pitfall,
    Question,
    Recommendation,
    Reference,
    ReviewComment,
    Scenario,
)
from tests.conftest import ROOT

SCHEMA_FILE = ROOT / "docs" / "edition-file.schema.json"


def test_the_first_edition_file_fits_the_schema(first_edition_document):
    edition = schema.EditionFile.model_validate(first_edition_document)
    assert len(edition.pathways) == 8
    assert edition.edition.content_date.isoformat() == first_edition_document["edition"]["content_date"]


def test_the_committed_json_schema_is_current():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == schema.edition_file_schema(), (
        "docs/edition-file.schema.json is stale; write it anew with: "
        "DEBUG=true .venv/bin/python manage.py edition_schema > docs/edition-file.schema.json"
    )


def test_the_json_schema_is_valid_and_the_first_edition_file_fits_it(first_edition_document):
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(committed)
    jsonschema.Draft202012Validator(committed).validate(first_edition_document)


def test_the_schema_imports_no_django():
    code = (
        "import sys, bme_wizard.content.edition_schema;"
        "leaked = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
        "sys.exit(f'django imported: {leaked[:3]}' if leaked else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr or result.stdout


@pytest.mark.parametrize(
    ("record", "model"),
    [
        (schema.EditionHeader, EditionText),
        (schema.QuestionRecord, Question),
        (schema.ReferenceRecord, Reference),
        (schema.PathwayRecord, Pathway),
        (schema.RecommendationRecord, Recommendation),
        (schema.PitfallRecord, Pitfall),
        (schema.ScenarioRecord, Scenario),
        (schema.ReviewCommentRecord, ReviewComment),
    ],
)
def test_an_absent_field_means_the_content_models_default(record, model):
    defaults = {
        name: field.get_default()
        for name, field in record.model_fields.items()
        if not field.is_required() and name not in _STRUCTURE
    }
    assert defaults
    assert defaults == {name: model._meta.get_field(_RENAMED.get(name, name)).get_default() for name in defaults}
