from django.urls import path

from mandate.union.voting import views

app_name = "vote"
urlpatterns = [
    path("<slug:union>/<slug:code>/link/<str:key>/", views.start, name="start"),
    path("<slug:union>/<slug:code>/booth/", views.booth, name="booth"),
    path("<slug:union>/<slug:code>/election.json", views.election, name="election"),
    path("<slug:union>/<slug:code>/cast.json", views.cast, name="cast"),
    path("<slug:union>/<slug:code>/challenge.json", views.challenge, name="challenge"),
    path("<slug:union>/<slug:code>/receipt/<str:tracking>/", views.receipt, name="receipt"),
    path("<slug:union>/<slug:code>/api/code.json", views.api_code, name="api_code"),
    path("<slug:union>/<slug:code>/api/verify.json", views.api_verify, name="api_verify"),
    path("<slug:union>/<slug:code>/api/cast.json", views.api_cast, name="api_cast"),
    path("<slug:union>/<slug:code>/api/challenge.json", views.api_challenge, name="api_challenge"),
]
