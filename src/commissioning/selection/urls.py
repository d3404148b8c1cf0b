from django.urls import path

from . import views

urlpatterns = [
    path(
        "specifications/<int:pk>/advice/new/", views.advice_request_new, name="advice-request-new"
    ),
    path("specifications/<int:pk>/selection/new/", views.selection_new, name="selection-new"),
    path("advice/", views.advice_inbox, name="advice-requests"),
    path("advice/<int:pk>/", views.advice_request_detail, name="advice-request"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("selection/<int:pk>/", views.selection_detail, name="selection"),
    path("selection/<int:pk>/invite/", views.selection_invite, name="selection-invite"),
    path("selection/<int:pk>/evaluators/", views.evaluator_add, name="evaluator-add"),
    path("selection/<int:pk>/proposals/new/", views.proposal_new, name="proposal-new"),
    path("selection/<int:pk>/questions/", views.clarification_ask, name="clarification-ask"),
    path("questions/<int:pk>/answer/", views.clarification_answer, name="clarification-answer"),
    path("selection/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("selection/<int:pk>/evaluation.csv", views.evaluation_csv, name="evaluation-csv"),
    path("selection/<int:pk>/declare/", views.declare, name="declare"),
    path("declarations/<int:pk>/manage/", views.declaration_manage, name="declaration-manage"),
    path("selection/<int:pk>/decide/", views.decide, name="decide"),
    path("selection/<int:pk>/record/", views.decision_record, name="decision-record"),
    path("selection/<int:pk>/record.pdf", views.decision_record_pdf, name="decision-record-pdf"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("proposals/new/", views.proposal_new, name="proposal-unsolicited-new"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="proposal-submit"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal-withdraw"),
    path("proposals/<int:pk>/respond/", views.proposal_respond, name="proposal-respond"),
    path("proposals/<int:pk>/score/", views.score, name="score"),
    path("proposals/<int:pk>/moderate/", views.moderate, name="moderate"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/notice/", views.notice_publish, name="notice-publish"),
    path(
        "decisions/<int:pk>/representations/", views.representation_new, name="representation-new"
    ),
    path("decisions/<int:pk>/withdraw/", views.decision_withdraw, name="decision-withdraw"),
    path(
        "representations/<int:pk>/respond/",
        views.representation_respond,
        name="representation-respond",
    ),
]
