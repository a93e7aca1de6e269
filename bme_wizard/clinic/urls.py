from django.urls import path

from . import api, views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("guideline/", views.guideline, name="guideline"),
    path("api/v1/plan", api.plan, name="api-plan"),
    path("api/v1/openapi.json", api.openapi, name="api-openapi"),
]
