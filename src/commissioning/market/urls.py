from django.urls import path

from . import views

urlpatterns = [
    path("market/", views.workspace, name="market"),
    path("market/map.<str:fmt>", views.market_map, name="market-map"),
    path("market/concentration.csv", views.hhi_csv, name="market-hhi-csv"),
    path("market/stress/<int:pk>/", views.stress, name="market-stress"),
    path("market/stress/<int:pk>/map.<str:fmt>", views.stress_map, name="market-stress-map"),
    path("market/stress/<int:pk>/results.csv", views.stress_csv, name="market-stress-csv"),
    path("market/continuity/", views.continuity, name="market-continuity"),
    path("market/continuity.csv", views.continuity_csv, name="market-continuity-csv"),
    path("market/continuity/<int:pk>/", views.assessment, name="market-assessment"),
]
