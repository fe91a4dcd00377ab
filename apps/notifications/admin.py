from django.contrib import admin

from apps.notifications.models import Announcement, Delivery, Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "notification", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["notification"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email"]
    raw_id_fields = ["user"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "department", "author"]
    raw_id_fields = ["author"]
