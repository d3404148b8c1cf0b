from django.urls import path

from . import views

urlpatterns = [
    path("specialised/", views.month_end, name="specialised"),
    path("specialised/month-end.csv", views.month_end_csv, name="specialised-csv"),
    path("specialised/lines/<int:pk>/", views.line, name="specialised-line"),
    path(
        "specialised/lines/<int:pk>/spend.<str:fmt>",
        views.line_chart,
        name="specialised-line-chart",
    ),
]
