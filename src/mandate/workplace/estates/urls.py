"""Estates routes, included into the workplace namespace (names start `estates_`)."""

from django.urls import path

from mandate.workplace.estates import views

urlpatterns = [
    path("estates/", views.index, name="estates"),
    path("estates/desks/", views.desks, name="estates_desks"),
    path("estates/desks/template.csv", views.desks_template, name="estates_desks_template"),
    path("estates/desks/export.csv", views.desks_csv, name="estates_desks_csv"),
    path("estates/desks/new/", views.desk_edit, name="estates_desk_new"),
    path("estates/desks/<int:pk>/", views.desk_edit, name="estates_desk_edit"),
    path("estates/desks/<int:pk>/qr/", views.desk_qr, name="estates_desk_qr"),
    path("estates/sites/<slug:code>/rules/", views.site_rules, name="estates_rules"),
    path("estates/sites/<slug:code>/floors/<path:floor>/plan/", views.floor_plan, name="estates_floor_plan"),
    path("estates/sites/<slug:code>/floors/<path:floor>/plan.img", views.floor_plan_image,
         name="estates_floor_plan_image"),
    path("estates/book/", views.book, name="estates_book"),
    path("estates/bookings/", views.mine, name="estates_mine"),
    path("estates/bookings/<int:pk>/", views.booking_action, name="estates_booking"),
    path("estates/check-in/<str:token>/", views.checkin, name="estates_checkin"),
    path("estates/entitlements/<int:pk>/", views.entitlement, name="estates_entitlement"),
    path("estates/occupancy/", views.occupancy, name="estates_occupancy"),
    path("estates/plan/desks/", views.planner_desks, name="estates_plan_desks"),
    path("estates/plan/anchor-days/", views.planner_anchors, name="estates_plan_anchors"),
]
