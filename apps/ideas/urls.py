from django.urls import path

from apps.ideas import views

app_name = "ideas"

urlpatterns = [
    path("", views.challenge_list, name="challenge_list"),
    path("new/", views.challenge_create, name="challenge_create"),
    path("<int:pk>/", views.challenge_detail, name="challenge_detail"),
    path("<int:pk>/edit/", views.challenge_edit, name="challenge_edit"),
    path("<int:pk>/ideas/", views.idea_list, name="idea_list"),
    path("<int:pk>/ideas/new/", views.idea_create, name="idea_create"),
    path("<int:pk>/similar/", views.similar_ideas, name="similar"),
    path("<int:pk>/moderation/", views.moderation_queue, name="moderation"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/publish/", views.results_publish, name="results_publish"),
    path("<int:pk>/results/tally.txt", views.tally_text, name="tally"),
    path("<int:pk>/results/export.<str:fmt>", views.results_export, name="export"),
    path("idea/<int:pk>/", views.idea_detail, name="idea_detail"),
    path("idea/<int:pk>/edit/", views.idea_edit, name="idea_edit"),
    path("idea/<int:pk>/vote/", views.idea_vote, name="vote"),
    path("idea/<int:pk>/withdraw/", views.idea_withdraw, name="idea_withdraw"),
    path("idea/<int:pk>/moderate/", views.idea_moderate, name="idea_moderate"),
    path("idea/<int:pk>/coauthors/", views.coauthor_invite, name="coauthor_invite"),
    path("idea/<int:pk>/coauthors/answer/", views.coauthor_answer, name="coauthor_answer"),
    path("idea/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("idea/<int:pk>/follow/", views.follow_toggle, name="follow"),
    path("idea/<int:pk>/merge/", views.idea_merge, name="idea_merge"),
    path("idea/<int:pk>/answer/", views.idea_answer, name="idea_answer"),
    path("idea/<int:pk>/to-case/", views.idea_to_case, name="idea_to_case"),
    path("idea/<int:pk>/files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
]
