from django.contrib import admin
from django.urls import include, path

from bme_wizard.ratelimits import rate_limit

admin.site.site_header = "Bone marrow edema pathway: editorial board"
admin.site.site_title = "BME pathway editorial"
admin.site.index_title = "Guideline content"

# The admin's own login view, with its POSTs rate-limited; listed first, it shadows admin/login/.
admin_login = rate_limit(group="admin-login", rate_setting="RATELIMIT_LOGIN")(admin.site.login)

urlpatterns = [
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("fhir/", include("bme_wizard.interop.urls")),
    path("", include("bme_wizard.clinic.urls")),
]
