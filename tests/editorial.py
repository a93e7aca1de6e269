"""Helpers for the editorial pages' tests: logins by role, and a second edition with known changes."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bme_wizard.content.models import Condition, Pitfall, Recommendation, Reference, Strength
from bme_wizard.content.services import edition_clone

PASSWORD = "a-long-test-password"


def log_in(client, username, *, role=None, is_staff=True):
    """``client`` logged in as a new user, staff by default, in the editorial ``role`` group if given."""
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=is_staff)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


# What second_edition_with_changes changes, so tests can look for it.
REWORDED = "tbme-conservative"
REWORDED_FROM = "protected weight bearing"
REWORDED_TO = "protected weight bearing with crutches"
REGRADED = "vcf-nsaids"
REMOVED = "tbme-natural-course"
ADDED_PITFALL = "pitfall-new-in-2"
ADDED_PITFALL_TEXT = "Do not read a <b>single</b> MRI as proof of healing."
RECONDITIONED = "tbme-imaging-hip"


def second_edition_with_changes(first_edition):
    """A draft copy of the first edition with one statement reworded, one regraded, one removed,
    one condition changed and one pitfall added."""
    edition = edition_clone(source=first_edition, title="Second edition for tests")
    reworded = Recommendation.objects.get(edition=edition, key=REWORDED)
    assert REWORDED_FROM in reworded.text.lower(), reworded.text
    index = reworded.text.lower().index(REWORDED_FROM)
    reworded.text = reworded.text[:index] + REWORDED_TO + reworded.text[index + len(REWORDED_FROM) :]
    reworded.save()
    Recommendation.objects.filter(edition=edition, key=REGRADED).update(strength=Strength.STRONG)
    Recommendation.objects.get(edition=edition, key=REMOVED).delete()
    condition = Condition.objects.filter(item__edition=edition, item__key=RECONDITIONED).first()
    condition.value = "knee" if condition.question == "site" else condition.value
    condition.save()
    pitfall = Pitfall.objects.create(edition=edition, key=ADDED_PITFALL, order=99, text=ADDED_PITFALL_TEXT)
    pitfall.citations.create(reference=Reference.objects.filter(edition=edition).first())
    edition.refresh_from_db()
    return edition
