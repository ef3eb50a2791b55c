"""The one union address opened without a session: the action calendar's iCal feed, by its secret token."""

from django.urls import path

from mandate.union import action_views

urlpatterns = [
    path("action/<str:token>.ics", action_views.calendar_feed, name="calendar_feed"),
]
