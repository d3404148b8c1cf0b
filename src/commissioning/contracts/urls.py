from django.urls import path

from . import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contracts"),
    path("decisions/<int:pk>/contracts/new/", views.contract_new, name="contract-new"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:pk>/variations/", views.variation_propose, name="variation-propose"),
    path(
        "contracts/<int:pk>/variations/<int:number>/approve/",
        views.variation_approve,
        name="variation-approve",
    ),
    path(
        "contracts/<int:pk>/variations/<int:number>/answer/",
        views.variation_answer,
        name="variation-answer",
    ),
    path(
        "contracts/<int:pk>/variations/<int:number>/sign/",
        views.variation_sign,
        name="variation-sign",
    ),
    path(
        "contracts/<int:pk>/quality-schedule.csv",
        views.contract_schedule_csv,
        name="contract-schedule-csv",
    ),
]
