from django.urls import path

from . import views
from .fhir import CODE_SYSTEM, QUESTIONNAIRE

app_name = "interop"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path(f"Questionnaire/{QUESTIONNAIRE}", views.questionnaire, name="questionnaire"),
    path(f"Questionnaire/{QUESTIONNAIRE}/_history/<int:version>", views.questionnaire, name="questionnaire-version"),
    path(f"CodeSystem/{CODE_SYSTEM}", views.code_system, name="code-system"),
    path(f"CodeSystem/{CODE_SYSTEM}/_history/<int:version>", views.code_system, name="code-system-version"),
    # Anything else under /fhir/ is a FHIR 404 (an OperationOutcome), not the site's HTML page.
    path("<path:path>", views.unknown, name="unknown"),
]
