from django.urls import path

from apps.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("hours-saved/", views.case_totals, name="totals"),
    path("fields-and-tools/", views.reference_list, name="reference"),
    path("fields-and-tools/<str:kind>/<int:pk>/", views.reference_edit, name="reference_edit"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/publish/", views.case_publish, name="publish"),
    path("<int:pk>/unpublish/", views.case_unpublish, name="unpublish"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
