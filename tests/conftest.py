import json
from pathlib import Path

import pytest

from benchmarks.editions import SAMPLE_ANSWERS
from bme_wizard.content.services import edition_import
from bme_wizard.pathway.vocabulary import QUESTIONS

ROOT = Path(__file__).resolve().parent.parent
FIRST_EDITION_FILE = ROOT / "fixtures" / "edition-1.json"


@pytest.fixture
def first_edition_document():
    return json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def first_edition(db, first_edition_document):
    """The shipped first edition, loaded and published exactly as `make setup` does."""
    return edition_import(document=first_edition_document, publish=True)


def small_edition_document(number=50, title="Draft for tests"):
    """An edition file with one reference, one pathway and one cited recommendation, all drafts."""
    draft = {"review_status": "draft"}
    return {
        "format": "bme-wizard-edition",
        "format_version": 1,
        "edition": {"number": number, "title": title, **draft},
        "questions": [{**question, **draft} for question in QUESTIONS.to_data()],
        "references": [{"key": "ref-a", "kind": "research", "title": "A study", "year": 2020, **draft}],
        "pathways": [
            {
                "key": "pathway-a",
                "title": "Pathway A",
                **draft,
                "recommendations": [
                    {
                        "key": "rec-a",
                        "section": "first_line",
                        "text": "Do the first thing.",
                        "citations": ["ref-a"],
                        **draft,
                    }
                ],
            }
        ],
    }


@pytest.fixture
def draft_edition(db):
    """A small draft edition (loaded as the edition loader does): one pathway, one reference, one cited
    recommendation, all drafts."""
    return edition_import(document=small_edition_document())


def make_user(username, *roles):
    """A staff account in the given editorial groups (Author, Reviewer, Editor in chief)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password="a-long-test-password", is_staff=True)
    user.groups.add(*(Group.objects.get(name=role) for role in roles))
    return user


@pytest.fixture
def author(db):
    return make_user("alice", "Author")


@pytest.fixture
def reviewer(db):
    return make_user("rob", "Reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    """The test client, signed in as a reviewer."""
    client.force_login(reviewer)
    return client


@pytest.fixture
def draft(first_edition, author):
    """A new draft edition: a full copy of the first edition, started by an author."""
    from bme_wizard.content.services import edition_clone

    return edition_clone(user=author)


@pytest.fixture(scope="session")
def first_snapshot(django_db_setup, django_db_blocker):
    """The first edition as the engine sees it, built once; the database is left as it was."""
    from django.db import connection, transaction

    from bme_wizard.content.snapshot import build_snapshot

    # pytest-django creates the test database only for modules marked django_db; without
    # the mark this would run against the real database. Refuse rather than risk it.
    name = str(connection.settings_dict["NAME"])
    assert "memory" in name or name.startswith("test_"), "mark the test module with pytest.mark.django_db"
    with django_db_blocker.unblock(), transaction.atomic():
        document = json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))
        snapshot = build_snapshot(edition_import(document=document, publish=True))
        transaction.set_rollback(True)
    return snapshot


# A complete, valid set of answers for a patient with no particular pathway beyond the work-up.
BASE_ANSWERS = SAMPLE_ANSWERS


def answers(**changes):
    """BASE_ANSWERS with changes; a change to None removes the answer."""
    result = {**BASE_ANSWERS, **changes}
    return {key: value for key, value in result.items() if value is not None}


def publish_without_checks(edition):
    """Publish ``edition`` as the operator's path does, minus the scenario gate.

    For tests about what follows a publication (superseding, permalinks, caches), whose
    small draft editions are not meant to pass the first edition's scenarios. The gates
    themselves are tested through edition_publish and edition_make_current.
    """
    from django.db import transaction

    from bme_wizard.content.models import Edition
    from bme_wizard.content.services.editions import _check_publishable_status, _make_current

    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        _check_publishable_status(edition)
        return _make_current(edition, note="Published for a test.", scenarios=())
