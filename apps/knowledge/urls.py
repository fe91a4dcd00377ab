from django.urls import path

from apps.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("preview/", views.article_preview, name="preview"),
    path("owners/", views.owners_reassign, name="reassign"),
    path("<id:pk>/", views.article_detail, name="detail"),
    path("<id:pk>/edit/", views.article_edit, name="edit"),
    path("<id:pk>/status/<slug:action>/", views.article_transition, name="transition"),
    path("<id:pk>/history/", views.article_history, name="history"),
    path("<id:pk>/history/<id:number>/", views.revision_detail, name="revision"),
    path("<id:pk>/history/<id:number>/restore/", views.revision_restore, name="restore"),
    path("<id:pk>/attachments/<id:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<id:pk>/feedback/", views.article_feedback, name="feedback"),
    path("<id:pk>/suggest/", views.suggestion_create, name="suggest"),
    path("<id:pk>/suggestions/<id:suggestion_pk>/", views.suggestion_detail, name="suggestion"),
]
