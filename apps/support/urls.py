from django.urls import path
from django.views.generic import RedirectView

from apps.support import views

app_name = "support"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="support:my_requests", permanent=False)),
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/new/", views.ask, name="ask"),
    path("requests/new/similar/", views.similar, name="similar"),
    path("requests/new/answered/", views.answered, name="answered"),
    path("requests/<id:pk>/", views.detail, name="detail"),
    path("requests/<id:pk>/conversation/", views.conversation, name="conversation"),
    path("requests/<id:pk>/status/", views.transition, name="transition"),
    path("requests/<id:pk>/triage/", views.triage, name="triage"),
    path("requests/<id:pk>/reply/", views.reply, name="reply"),
    path("requests/<id:pk>/rate/", views.rate, name="rate"),
    path("requests/<id:pk>/links/", views.link, name="link"),
    path("requests/<id:pk>/related/", views.related, name="related"),
    path("requests/<id:pk>/to-<slug:target>/", views.convert, name="convert"),
    path("requests/<id:pk>/files/<id:attachment_pk>/", views.attachment, name="attachment"),
    path("queue/", views.queue, name="queue"),
    path("queue/assign/", views.bulk_assign, name="bulk_assign"),
    path("queue/export.csv", views.export, name="export"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/<id:pk>/", views.canned_edit, name="canned_edit"),
    path("members/", views.members, name="members"),
    path("from-idea/<id:idea_id>/", views.from_idea, name="from_idea"),
]
