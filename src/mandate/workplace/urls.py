from django.urls import path

from mandate.workplace import evidence_views, hr_views, purpose_views, received_views, views

app_name = "workplace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.my_figure, name="my_figure"),
    path("me/attendance.csv", views.my_figure_csv, name="my_figure_csv"),
    path("me/purposes/", views.my_purpose, name="my_purpose"),
    path("team/", views.team, name="team"),
    path("people/", hr_views.people, name="people"),
    path("people/<str:staff_id>/", views.person_figure, name="person"),
    path("people/<str:staff_id>/attendance.csv", views.person_figure_csv, name="person_csv"),
    path("organisation/", views.organisation_view, name="organisation"),
    path("organisation/export.csv", views.organisation_csv, name="organisation_csv"),
    path("sites/<slug:code>/", views.site_view, name="site"),
    path("policies/compare/", views.compare, name="compare"),
    path("purposes/", purpose_views.purposes, name="purposes"),
    path("policies/", hr_views.policies, name="policies"),
    path("policies/new/", hr_views.policy_edit, name="policy_new"),
    path("policies/<int:pk>/", hr_views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/withdraw/", hr_views.policy_withdraw, name="policy_withdraw"),
    path("imports/", hr_views.imports, name="imports"),
    path("imports/templates/<slug:kind>.csv", hr_views.import_template, name="import_template"),
    path("adjustments/", hr_views.adjustments, name="adjustments"),
    path("adjustments/new/", hr_views.adjustment_edit, name="adjustment_new"),
    path("adjustments/<int:pk>/", hr_views.adjustment_edit, name="adjustment_edit"),
    path("adjustments/<int:pk>/withdraw/", hr_views.adjustment_withdraw, name="adjustment_withdraw"),
    path("notifications/", hr_views.reminders, name="reminders"),
    path("dispute-mode/", hr_views.dispute_mode, name="dispute_mode"),
    path("audit/", hr_views.audit, name="audit"),
    path("evidence/", evidence_views.evidence, name="evidence"),
    path("evidence/pack.pdf", evidence_views.evidence_pdf, name="evidence_pdf"),
]
urlpatterns += [  # documents received from unions (workplace/received_views.py; tests/union/test_action_role_matrix.py)
    path("received/", received_views.received, name="received"),
    path("received/import/", received_views.package_import, name="received_import"),
    path("received/sender-keys/", received_views.sender_key, name="received_sender_key"),
    path("received/<int:pk>/", received_views.received_detail, name="received_detail"),
    path("received/<int:pk>.pdf", received_views.received_pdf, name="received_pdf"),
    path("received/<int:pk>/acknowledgement/", received_views.acknowledge, name="received_ack"),
    path("received/<int:pk>/dispute-mode/", received_views.received_dispute_mode, name="received_dispute_mode"),
    path("received/<int:pk>/record/", received_views.received_record, name="received_record"),
]
urlpatterns += __import__("mandate.workplace.estates.urls", fromlist=["urlpatterns"]).urlpatterns  # issue 18
