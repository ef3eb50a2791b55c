from django.urls import path

from mandate.workplace import views

app_name = "workplace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
