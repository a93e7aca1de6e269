from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Bone marrow edema pathway: editorial board"
admin.site.site_title = "BME pathway editorial"
admin.site.index_title = "Guideline content"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bme_wizard.clinic.urls")),
]
