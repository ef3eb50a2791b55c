from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mandate.platform import throttle, twofactor, views
from mandate.platform.roles import login_only

admin.site.site_header = "mandate administration"
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser  # type: ignore[method-assign]  # superusers only, not staff

STEP = "registration/account_step.html"  # one template for every account step

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", twofactor.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", twofactor.two_factor, name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", login_only(auth_views.PasswordChangeView.as_view(template_name=STEP)), name="password_change"),
    path("accounts/password/change/done/", login_only(auth_views.PasswordChangeDoneView.as_view(template_name=STEP)), name="password_change_done"),
    path("accounts/password/reset/", throttle.ThrottledPasswordResetView.as_view(template_name=STEP, form_class=views.PasswordResetByJobForm), name="password_reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(template_name=STEP), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(template_name=STEP),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(template_name=STEP), name="password_reset_complete"),
    path("jobs/<uuid:pk>/", views.job, name="job"),
    path("jobs/<uuid:pk>/status.json", views.job_status, name="job_status"),
    path("admin/", admin.site.urls),
    path("workplace/", include("mandate.workplace.urls")),
    path("union/", include("mandate.union.urls")),
    path("feeds/", include("mandate.union.feed_urls")),  # opened by a secret token, no session
    path("board/", include("mandate.union.electronic.urls")),  # the e-ballots' public bulletin boards
]
