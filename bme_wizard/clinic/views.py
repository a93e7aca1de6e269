from django.shortcuts import render

from bme_wizard.content.selectors import edition_contents, edition_current


def home(request):
    return render(request, "clinic/home.html", {"edition": edition_current()})


def guideline(request):
    """The current edition in full, as clinicians will see it: every statement and its sources."""
    edition = edition_current()
    context = edition_contents(edition=edition) if edition else {"edition": None}
    return render(request, "clinic/guideline.html", context)
