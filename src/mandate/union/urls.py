from django.urls import path

from mandate.union import action_views, address_sheet_views, views
from mandate.union.electronic import views as electronic_views

app_name = "union"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/", views.dispute, name="dispute"),
    path("register/", views.register, name="register"),
    path("register/export.csv", views.register_export, name="register_export"),
    path("register/confirm/", views.register_confirm, name="register_confirm"),
    path("ballots/", views.ballots, name="ballots"),
    path("ballots/new/", views.ballot_new, name="ballot_new"),
    path("ballots/<int:pk>/", views.ballot, name="ballot"),
    path("ballots/<int:pk>/step/<slug:action>/", views.ballot_action, name="ballot_action"),
    path("ballots/<int:pk>/documents/<int:doc>/dates/", views.document_dates, name="document_dates"),
    path("ballots/<int:pk>/documents/<int:doc>.<slug:fmt>", views.document_file, name="document_file"),
    path("ballots/<int:pk>/results/<int:doc>.<slug:fmt>", views.result_document, name="result_document"),
    path("ballots/<int:pk>/address-sheets.pdf", address_sheet_views.address_sheets_file, name="address_sheets"),
    path("ballots/<int:pk>/turnout/", views.turnout, name="turnout"),
    path("ballots/<int:pk>/returns/", views.returns, name="returns"),
    path("ballots/<int:pk>/count/", views.count, name="count"),
    path("ballots/<int:pk>/results/", views.results, name="results"),
    path("ballots/<int:pk>/report/", views.scrutineer_report, name="scrutineer_report"),
    path("ballots/<int:pk>/electronic/", electronic_views.election, name="election"),
    path("ballots/<int:pk>/electronic/unreachable/", electronic_views.unreachable, name="election_unreachable"),
    path("ballots/<int:pk>/electronic/trustee/", electronic_views.trustee, name="trustee"),
    path("mandates/", views.mandates, name="mandates"),
    path("mandates/<int:pk>/renewal/", views.renewal, name="renewal"),
    path("mandates/<int:pk>/agreement/", views.mandate_agreement, name="mandate_agreement"),
    path("mandates/<int:pk>/court-order/", views.mandate_court_order, name="mandate_court_order"),
]
urlpatterns += [  # calling the action and the exchange (union/action_views.py; tests/union/test_action_role_matrix.py)
    path("action/", action_views.action, name="action"),
    path("action/notices/new/", action_views.notice_new, name="action_notice_new"),
    path("action/notices/<int:pk>.<slug:fmt>", action_views.notice_file, name="action_notice_file"),
    path("action/notices/<int:pk>/change/", action_views.notice_change, name="action_notice_change"),
    path("action/documents/<int:pk>.package.json", action_views.document_package, name="action_document_package"),
    path("action/employer-keys/", action_views.employer_key, name="action_employer_key"),
    path("action/receipts/", action_views.receipt_import, name="action_receipt_import"),
    path("action/calendar/", action_views.calendar, name="action_calendar"),
    path("action/calendar/feed/new/", action_views.calendar_feed_new, name="action_calendar_feed_new"),
    path("action/calendar/feed/revoke/", action_views.calendar_feed_revoke, name="action_calendar_feed_revoke"),
]
