from django.urls import path

from . import views

urlpatterns = [
    path("register/", views.index, name="register"),
    path("register/notices.csv", views.notices_csv, name="register-csv"),
    path("register/notices/<int:pk>/", views.notice, name="register-notice"),
    path("register/processes/<int:process_id>/", views.process, name="register-process"),
    path("register/processes/<int:process_id>/ocds.json", views.ocds_record,
         name="register-record"),
    path("register/ocds/releases.json", views.ocds_releases, name="register-releases"),
    path("register/annual/<str:code>/<int:year>/", views.annual, name="register-annual"),
    path("register/annual/<str:code>/<int:year>.csv", views.annual_csv,
         name="register-annual-csv"),
    path("register/annual/<str:code>/<int:year>.json", views.annual_json,
         name="register-annual-json"),
]  # fmt: skip
