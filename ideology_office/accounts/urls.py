from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("two-factor/", views.OtpSetupView.as_view(), name="otp_setup"),
    path("two-factor/verify/", views.OtpVerifyView.as_view(), name="otp_verify"),
    path("keepalive/", views.keepalive, name="keepalive"),
]
