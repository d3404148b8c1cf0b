from django.urls import path

from . import views

P = "budgets/people/<int:pk>/"
urlpatterns = [
    path("budgets/", views.index, name="phb"),
    path("budgets/people/new/", views.new_person, name="phb-new-person"),
    path(P, views.person, name="phb-person"),
    path(P + "assessment/", views.assessment, name="phb-assessment"),
    path(P + "plans/new/", views.new_plan, name="phb-new-plan"),
    path(P + "plans/<int:version>/", views.plan, name="phb-plan"),
    path(P + "plans/<int:version>/plan.csv", views.plan_csv, name="phb-plan-csv"),
    path(P + "payments/new/", views.pay, name="phb-pay"),
    path(P + "payments/<int:payment_id>/reviewed", views.clear, name="phb-clear"),
    path(P + "statements/<int:year>-<int:month>/", views.statement, name="phb-statement"),
    path(
        P + "statements/<int:year>-<int:month>.<str:fmt>",
        views.statement,
        name="phb-statement-file",
    ),
    path(P + "reviews/new/", views.review, name="phb-review"),
    path(P + "repayment/new/", views.repayment, name="phb-repayment"),
    path(P + "repayment/<int:notice>/repaid/", views.repaid, name="phb-repaid"),
    path(P + "stop/", views.stop, name="phb-stop"),
    path(P + "reconsideration/new/", views.reconsider, name="phb-reconsider"),
    path(P + "reconsideration/<int:rid>/decide/", views.decide, name="phb-decide"),
    path(P + "sign-in/", views.link, name="phb-link"),
    path("budgets/programme/<str:code>/", views.programme, name="phb-programme"),
    path(
        "budgets/programme/<str:code>/programme.csv",
        views.programme_csv,
        name="phb-programme-csv",
    ),
]
