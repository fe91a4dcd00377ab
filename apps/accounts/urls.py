from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("language/", views.language_switch, name="language"),
    path("demo/", views.demo_sign_in, name="demo_sign_in"),
    path("profile/", views.profile, name="profile"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("directory/", views.directory_status, name="directory"),
    path("directory/sync/", views.directory_sync_start, name="directory_sync"),
    path("directory/org-chart/", views.org_chart_upload, name="org_chart"),
    path("directory/org-chart/preview/", views.org_chart_preview, name="org_chart_preview"),
    path("directory/org-chart/apply/", views.org_chart_apply, name="org_chart_apply"),
]
