from django.urls import path

from . import views

urlpatterns = [
    path("", views.specification_list, name="specifications"),
    path("specifications.csv", views.specification_list_csv, name="specifications-csv"),
    path("new/", views.specification_new, name="specification-new"),
    path("<int:pk>/", views.specification_detail, name="specification"),
    path("<int:pk>/edit/", views.specification_edit, name="specification-edit"),
    path("<int:pk>/outcomes/new/", views.outcome_new, name="outcome-new"),
    path("<int:pk>/outcomes/<int:outcome_pk>/remove/", views.outcome_remove, name="outcome-remove"),
    path("<int:pk>/quality-requirements/new/", views.requirement_new, name="requirement-new"),
    path(
        "<int:pk>/quality-requirements/<int:requirement_pk>/remove/",
        views.requirement_remove,
        name="requirement-remove",
    ),
    path("<int:pk>/status/", views.specification_status, name="specification-status"),
    path(
        "<int:pk>/new-version/", views.specification_new_version, name="specification-new-version"
    ),
]
