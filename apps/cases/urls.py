from django.urls import path

from apps.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("hours-saved/", views.case_totals, name="totals"),
    path("fields-and-tools/", views.reference_list, name="reference"),
    path("fields-and-tools/<str:kind>/<id:pk>/", views.reference_edit, name="reference_edit"),
    path("<id:pk>/", views.case_detail, name="detail"),
    path("<id:pk>/edit/", views.case_edit, name="edit"),
    path("<id:pk>/publish/", views.case_publish, name="publish"),
    path("<id:pk>/unpublish/", views.case_unpublish, name="unpublish"),
    path("<id:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<id:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
