"""URL configuration: web pages, the admin and the versioned JSON API."""

from django.contrib import admin
from django.urls import include, path

from commissioning.api.v1 import api as api_v1

# An upload over a limit: a page naming the limit (config.uploads).
handler400 = "commissioning.config.uploads.refused"

admin.site.site_header = "Commissioning platform administration"
admin.site.site_title = "Commissioning platform admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
    path("specifications/", include("commissioning.specifications.urls")),
    path("", include("commissioning.selection.urls")),
    path("", include("commissioning.contracts.urls")),
    path("", include("commissioning.quality.urls")),
    path("", include("commissioning.market.urls")),
    path("", include("commissioning.register.urls")),
    path("", include("commissioning.collaboration.urls")),
    path("", include("commissioning.specialised.urls")),
    path("", include("commissioning.personal_budgets.urls")),
    path("", include("commissioning.ledger.urls")),
    path("", include("commissioning.jobs.urls")),
    path("", include("commissioning.web.urls")),
]
