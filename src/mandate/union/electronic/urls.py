"""The public bulletin boards of electronic ballots: no sign-in, only what the record publishes."""

from django.urls import path

from mandate.union.electronic import views

app_name = "board"
urlpatterns = [
    path("<slug:union>/<slug:ballot>/", views.board, name="board"),
    path("<slug:union>/<slug:ballot>/record.jsonl", views.record_file, name="record"),
]
