from django.urls import path

from apps.ideas import views

app_name = "ideas"

urlpatterns = [
    path("", views.challenge_list, name="challenge_list"),
    path("new/", views.challenge_create, name="challenge_create"),
    path("<id:pk>/", views.challenge_detail, name="challenge_detail"),
    path("<id:pk>/edit/", views.challenge_edit, name="challenge_edit"),
    path("<id:pk>/ideas/", views.idea_list, name="idea_list"),
    path("<id:pk>/ideas/new/", views.idea_create, name="idea_create"),
    path("<id:pk>/similar/", views.similar_ideas, name="similar"),
    path("<id:pk>/moderation/", views.moderation_queue, name="moderation"),
    path("<id:pk>/results/", views.results, name="results"),
    path("<id:pk>/results/publish/", views.results_publish, name="results_publish"),
    path("<id:pk>/results/tally.txt", views.tally_text, name="tally"),
    path("<id:pk>/results/export.<str:fmt>", views.results_export, name="export"),
    path("idea/<id:pk>/", views.idea_detail, name="idea_detail"),
    path("idea/<id:pk>/edit/", views.idea_edit, name="idea_edit"),
    path("idea/<id:pk>/vote/", views.idea_vote, name="vote"),
    path("idea/<id:pk>/withdraw/", views.idea_withdraw, name="idea_withdraw"),
    path("idea/<id:pk>/moderate/", views.idea_moderate, name="idea_moderate"),
    path("idea/<id:pk>/coauthors/", views.coauthor_invite, name="coauthor_invite"),
    path("idea/<id:pk>/coauthors/answer/", views.coauthor_answer, name="coauthor_answer"),
    path("idea/<id:pk>/comments/", views.comment_add, name="comment_add"),
    path("idea/<id:pk>/follow/", views.follow_toggle, name="follow"),
    path("idea/<id:pk>/merge/", views.idea_merge, name="idea_merge"),
    path("idea/<id:pk>/answer/", views.idea_answer, name="idea_answer"),
    path("idea/<id:pk>/to-case/", views.idea_to_case, name="idea_to_case"),
    path("idea/<id:pk>/files/<id:attachment_pk>/", views.attachment_download, name="attachment"),
    path("comments/<id:pk>/hide/", views.comment_hide, name="comment_hide"),
]
