from django.urls import path

from . import api, preview, views, wizard

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("livez", views.livez, name="livez"),
    path("healthz", views.healthz, name="healthz"),
    path("guideline/", views.guideline, name="guideline"),
    path("assess/", wizard.wizard_start, name="wizard-start"),
    path("assess/<str:run_id>/", wizard.AssessmentWizard.as_view(), name="wizard"),
    path("a/<str:token>/", views.summary, name="summary"),
    path("a/<str:token>/patient/", views.summary_patient, name="summary-patient"),
    path("a/<str:token>/edit/", views.summary_edit, name="summary-edit"),
    path("a/<str:token>/changes/", views.summary_changes, name="summary-changes"),
    # Staff only: walk the wizard against any edition, a draft included (preview.py).
    path("preview/<int:edition_pk>/", preview.preview_start, name="preview"),
    path("preview/<int:edition_pk>/<str:run_id>/", preview.PreviewWizard.as_view(), name="preview-wizard"),
    path("preview/<int:edition_pk>/<str:run_id>/summary/", preview.preview_summary, name="preview-summary"),
    path("api/v1/plan", api.plan, name="api-plan"),
    path("api/v1/openapi.json", api.openapi, name="api-openapi"),
]
