from django.urls import path

from . import views

urlpatterns = [
    path("quality/", views.workspace, name="quality"),
    path("quality/ae/<str:code>/", views.ae_trust, name="quality-ae"),
    path("quality/ae/<str:code>/chart.<str:fmt>", views.ae_trust_chart, name="quality-ae-chart"),
    path("quality/ae/<str:code>/spc.csv", views.ae_trust_csv, name="quality-ae-csv"),
    path("quality/ae-funnel/", views.ae_funnel, name="quality-funnel"),
    path("quality/ae-funnel/chart.<str:fmt>", views.ae_funnel_chart, name="quality-funnel-chart"),
    path("quality/ae-funnel.csv", views.ae_funnel_csv, name="quality-funnel-csv"),
    path("quality/ae-summary.csv", views.ae_summary_csv, name="quality-ae-summary-csv"),
    path("quality/mortality/", views.mortality, name="quality-mortality"),
    path(
        "quality/mortality/chart.<str:fmt>", views.mortality_chart, name="quality-mortality-chart"
    ),
    path("quality/mortality.csv", views.mortality_csv, name="quality-mortality-csv"),
    path("quality/mortality/run/", views.mortality_run, name="quality-mortality-run"),
    path("quality/providers/<str:code>/", views.provider, name="quality-provider"),
    path("quality/risk/", views.risk_profiles, name="quality-risk"),
    path("quality/providers/<str:code>/risk/", views.risk_profile, name="quality-risk-profile"),
    path("quality/contracts/<int:pk>/", views.contract_quality, name="quality-contract"),
    path(
        "quality/contracts/<int:pk>/schedule.csv",
        views.contract_quality_csv,
        name="quality-contract-csv",
    ),
    path("quality/schedule/<int:pk>/", views.schedule_item, name="quality-item"),
    path(
        "quality/schedule/<int:pk>/chart.<str:fmt>",
        views.schedule_item_chart,
        name="quality-item-chart",
    ),
    path("quality/schedule/<int:pk>/figures.csv", views.schedule_item_csv, name="quality-item-csv"),
    path("quality/cases/", views.cases, name="quality-cases"),
    path("quality/cases/new/", views.case_new, name="quality-case-new"),
    path("quality/cases/<int:pk>/", views.case_detail, name="quality-case"),
    path("quality/cases/<int:pk>/<str:step>/", views.case_step, name="quality-case-step"),
    path("quality/milestones/<int:pk>/met/", views.milestone_met, name="quality-milestone-met"),
    path(
        "quality/milestones/<int:pk>/progress/",
        views.milestone_progress,
        name="quality-milestone-progress",
    ),
]
