from django.urls import path

from . import views

urlpatterns = [
    path("together/", views.workspace, name="together"),
    path("together/consortia/new/", views.new_consortium, name="together-new-consortium"),
    path("together/primary-care/new/", views.new_arrangement, name="together-new-arrangement"),
    path("together/consortia/<int:pk>/", views.consortium, name="together-consortium"),
    path(
        "together/consortia/<int:pk>/weight.csv",
        views.consortium_csv,
        name="together-consortium-csv",
    ),
    path("together/primary-care/<int:pk>/", views.arrangement, name="together-arrangement"),
    path("together/pools/new/", views.new_pool, name="together-new-pool"),
    path("together/pools/<int:pk>/", views.pool, name="together-pool"),
    path("together/pools/<int:pk>/spending/", views.pool_spend, name="together-pool-spend"),
    path("together/pools/<int:pk>/commitments/", views.pool_commit, name="together-pool-commit"),
    path(
        "together/pools/<int:pk>/commitments/<int:commitment_pk>/release/",
        views.pool_release,
        name="together-pool-release",
    ),
    path(
        "together/pools/<int:pk>/contributions/",
        views.pool_contribute,
        name="together-pool-contribute",
    ),
    path("together/pools/<int:pk>/settlement/", views.pool_settle, name="together-pool-settle"),
    path(
        "together/pools/<int:pk>/settlement/share/",
        views.pool_pay_share,
        name="together-pool-pay-share",
    ),
    path("together/pools/<int:pk>/figures.csv", views.pool_csv, name="together-pool-csv"),
    path(
        "together/pools/<int:pk>/action-plan/",
        views.propose_action_plan,
        name="together-propose-plan",
    ),
    path(
        "together/pools/<int:pk>/action-plans/<int:plan_pk>/decide/",
        views.decide_action_plan,
        name="together-decide-plan",
    ),
    path(
        "together/pools/<int:pk>/forecast.csv",
        views.pool_forecast_csv,
        name="together-pool-forecast-csv",
    ),
    # after the CSV: any other suffix is a chart format (svg or png)
    path(
        "together/pools/<int:pk>/forecast.<str:fmt>",
        views.pool_forecast_chart,
        name="together-pool-forecast-chart",
    ),
    path(
        "together/pools/<int:pk>/report.csv", views.pool_report_csv, name="together-pool-report-csv"
    ),
]
