from django.shortcuts import render

from bme_wizard.content.selectors import edition_current
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.plan import outline


def home(request):
    return render(request, "clinic/home.html", {"edition": edition_current()})


def guideline(request):
    """The current edition in full, as clinicians will see it: every statement and its sources."""
    edition = edition_current()
    return render(
        request,
        "clinic/guideline.html",
        {"edition": edition, "outline": outline(edition_snapshot(edition)) if edition else None},
    )
