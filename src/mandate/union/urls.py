from django.urls import path

from mandate.union import views

app_name = "union"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
