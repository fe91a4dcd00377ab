from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("language/", views.language_switch, name="language"),
    path("demo/", views.demo_sign_in, name="demo_sign_in"),
    path("profile/", views.profile, name="profile"),
    path("signed-out/", views.signed_out, name="signed_out"),
]
