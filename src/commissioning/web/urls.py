from django.contrib.auth import views as auth_views
from django.urls import path

from . import health, two_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", auth_views.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-in/two-step/", two_factor.verify, name="two-factor"),
    path("sign-in/two-step/set-up/", two_factor.setup, name="two-factor-setup"),
    path("organisations/", views.directory, name="directory"),
    path("organisations.csv", views.directory_csv, name="directory-csv"),
    path("organisations/<str:code>/", views.organisation, name="organisation"),
    path(
        "organisations/<str:code>/ae-attendances.csv",
        views.organisation_ae_csv,
        name="organisation-ae-csv",
    ),
    path(
        "organisations/<str:code>/synthetic-spells.csv",
        views.organisation_synthetic_csv,
        name="organisation-synthetic-csv",
    ),
    path("audit/", views.audit_log, name="audit"),
    path("about-the-data/", views.about_data, name="about-data"),
    path("health/", health.health, name="health"),
]
