from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.core.params import page_number
from apps.notifications import services
from apps.notifications.forms import AnnouncementForm, PreferencesForm
from apps.notifications.models import Notification, Preference
from apps.notifications.selectors import announcement_list_for_user, notification_list_for_user

PAGE_SIZE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list_for_user(request.user), PAGE_SIZE).get_page(page_number(request))
    return render(
        request,
        "notifications/notification_list.html",
        {"page_obj": page, "breadcrumbs": [(_("Notifications"), "")]},
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk)
    if not request.user.has_perm("notifications.view_notification", notification):
        raise Http404  # not 403: that would tell the notification exists
    services.notification_mark_read(user=request.user, notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count)
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = dict(Preference.objects.filter(user=request.user).values_list("kind", "email"))
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=request.user, modes={k: v for k, v in form.cleaned_data.items() if v})
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "breadcrumbs": [(_("My profile"), reverse("accounts:profile")), (_("Notification settings"), "")],
        },
    )


@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(announcement_list_for_user(request.user), PAGE_SIZE).get_page(page_number(request))
    return render(
        request,
        "notifications/announcement_list.html",
        {
            "page_obj": page,
            "can_announce": request.user.has_perm("notifications.publish_announcement"),
            "breadcrumbs": [(_("Announcements"), "")],
        },
    )


@login_required
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(announcement_list_for_user(request.user), pk=pk)
    return render(
        request,
        "notifications/announcement_detail.html",
        {
            "announcement": announcement,
            "breadcrumbs": [
                (_("Announcements"), reverse("notifications:announcements")),
                (announcement.title, ""),
            ],
        },
    )


@login_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("notifications.publish_announcement"):
        raise PermissionDenied
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement = services.announcement_publish(author=request.user, **form.cleaned_data)
        messages.success(request, _("The announcement was published and its readers notified."))
        return redirect("notifications:announcement_detail", pk=announcement.pk)
    return render(
        request,
        "notifications/announcement_form.html",
        {
            "form": form,
            "breadcrumbs": [
                (_("Announcements"), reverse("notifications:announcements")),
                (_("New announcement"), ""),
            ],
        },
    )
