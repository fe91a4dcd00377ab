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
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/conversation/", views.conversation, name="conversation"),
    path("requests/<int:pk>/status/", views.transition, name="transition"),
    path("requests/<int:pk>/triage/", views.triage, name="triage"),
    path("requests/<int:pk>/reply/", views.reply, name="reply"),
    path("requests/<int:pk>/rate/", views.rate, name="rate"),
    path("requests/<int:pk>/links/", views.link, name="link"),
    path("requests/<int:pk>/related/", views.related, name="related"),
    path("requests/<int:pk>/to-<slug:target>/", views.convert, name="convert"),
    path("requests/<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("queue/", views.queue, name="queue"),
    path("queue/assign/", views.bulk_assign, name="bulk_assign"),
    path("queue/export.csv", views.export, name="export"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/<int:pk>/", views.canned_edit, name="canned_edit"),
    path("members/", views.members, name="members"),
    path("from-idea/<int:idea_id>/", views.from_idea, name="from_idea"),
]
