from django.urls import path

from apps.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("preview/", views.article_preview, name="preview"),
    path("owners/", views.owners_reassign, name="reassign"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/status/<slug:action>/", views.article_transition, name="transition"),
    path("<int:pk>/history/", views.article_history, name="history"),
    path("<int:pk>/history/<int:number>/", views.revision_detail, name="revision"),
    path("<int:pk>/history/<int:number>/restore/", views.revision_restore, name="restore"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/feedback/", views.article_feedback, name="feedback"),
    path("<int:pk>/suggest/", views.suggestion_create, name="suggest"),
    path("<int:pk>/suggestions/<int:suggestion_pk>/", views.suggestion_detail, name="suggestion"),
]
