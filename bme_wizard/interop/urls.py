from django.urls import path

from . import views
from .fhir import APPLY_OPERATION, CODE_SYSTEM, PLAN_DEFINITION, QUESTIONNAIRE

app_name = "interop"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path(f"Questionnaire/{QUESTIONNAIRE}", views.questionnaire, name="questionnaire"),
    path(f"Questionnaire/{QUESTIONNAIRE}/_history/<int:version>", views.questionnaire, name="questionnaire-version"),
    path(f"CodeSystem/{CODE_SYSTEM}", views.code_system, name="code-system"),
    path(f"CodeSystem/{CODE_SYSTEM}/_history/<int:version>", views.code_system, name="code-system-version"),
    path(f"PlanDefinition/{PLAN_DEFINITION}", views.plan_definition, name="plan-definition"),
    path(
        f"PlanDefinition/{PLAN_DEFINITION}/_history/<int:version>",
        views.plan_definition,
        name="plan-definition-version",
    ),
    path(f"PlanDefinition/{PLAN_DEFINITION}/$apply", views.apply, name="apply"),
    path(f"OperationDefinition/{APPLY_OPERATION}", views.operation_definition, name="operation-definition"),
    # Anything else under /fhir/ is a FHIR 404 (an OperationOutcome), not the site's HTML page.
    path("<path:path>", views.unknown, name="unknown"),
]
