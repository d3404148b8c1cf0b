from django.urls import path

from . import views

urlpatterns = [
    path("ledger/accounts/<str:code>/", views.account, name="ledger-account"),
    path("ledger/accounts/<str:code>/postings.csv", views.account_csv, name="ledger-account-csv"),
    path(
        "ledger/accounts/<str:code>/statements/",
        views.issue_statement,
        name="ledger-issue-statement",
    ),
]
