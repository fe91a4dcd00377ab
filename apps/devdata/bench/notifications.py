"""Benchmark data: three years of COE announcements and the notifications they caused.

Loaded by `manage.py seed_bench` after accounts. Notifications are spread unevenly, as
in real life: COE members, managers and administrators get about twenty times as many
as other staff, so the signed-in benchmark user (a COE member) has several pages of
them. Old notifications are mostly read, recent ones about half unread.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import accumulate, islice

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.notifications.models import Announcement, Notification

SIZES = {"notifications": 200_000, "announcements": 2_000}
BATCH = 5_000
HEAVY_WEIGHT = 20  # notifications per COE member/manager/admin, relative to other staff

TOPICS = [
    "生成AI利用ガイドライン",
    "RPA導入事例共有会",
    "ノーコードツール研修",
    "庁内ネットワーク計画停止",
    "情報セキュリティ研修",
    "電子申請システム更新",
    "テレワーク環境の改善",
    "ペーパーレス会議の推進",
    "データ利活用勉強会",
    "BIツール操作説明会",
    "住民記録システム標準化対応",
    "庁内チャットツールの利用開始",
    "DXアイデア募集",
    "業務改善事例発表会",
    "オープンデータの追加公開",
    "Excelマクロ棚卸し調査",
    "タブレット端末の配布",
    "Web会議ライセンスの追加",
    "キャッシュレス決済の導入",
    "AI-OCR活用説明会",
]
TITLE_FORMS = [
    "{topic}のお知らせ",
    "{topic}について",
    "【重要】{topic}",
    "{topic}（第{n}回）のご案内",
    "{fy}年度 {topic}の実施について",
    "【再掲】{topic}について",
]
WEEKDAYS = "月火水木金"
BODY_LINES = [
    "職員各位",
    "標記の件について、下記のとおりお知らせします。",
    "日時：{month}月{day}日（{weekday}）{hour}時から{end}時まで",
    "場所：本庁舎{floor}階 第{room}会議室（オンライン参加も可）",
    "対象：{audience}",
    "事前の申込みは不要です。資料は当日ポータルのナレッジに掲載します。",
    "業務の都合で参加できない方は、後日公開する録画をご覧ください。",
    "ご不明な点は DX推進課（内線{ext}）までお問い合わせください。",
]


def counts() -> dict[str, int]:
    return {"notifications": Notification.objects.count(), "announcements": Announcement.objects.count()}


@contextmanager
def _explicit_created_at(*models) -> Iterator[None]:
    """bulk_create would overwrite created_at (auto_now_add); history needs older dates."""
    fields = [model._meta.get_field("created_at") for model in models]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


def _body(rng: random.Random, audience: str) -> str:
    values = {
        "month": rng.randint(1, 12),
        "day": rng.randint(1, 28),
        "weekday": rng.choice(WEEKDAYS),
        "hour": rng.randint(9, 15),
        "floor": rng.randint(2, 12),
        "room": rng.randint(1, 8),
        "ext": rng.randint(2000, 2999),
        "audience": audience,
    }
    values["end"] = values["hour"] + 1
    paragraphs = [line.format(**values) for line in BODY_LINES]
    closing = paragraphs[5 : 5 + rng.randint(1, 3)]
    return "\n\n".join([*paragraphs[:2], "\n".join(paragraphs[2:5]), *closing])


def _seed_announcements(count: int, rng: random.Random, now) -> list[Announcement]:
    authors = list(
        User.objects.filter(groups__name__in=[Role.COE, Role.ADMIN], is_active=True).values_list("pk", flat=True)
    ) or list(User.objects.values_list("pk", flat=True)[:10])
    if not authors:
        return []
    departments = list(Department.objects.all())
    span = timedelta(days=3 * 365)
    rows = []
    for i in range(count):
        created_at = now - span * (1 - i / count) + timedelta(minutes=rng.randint(0, 600))
        fy = created_at.year if created_at.month >= 4 else created_at.year - 1
        title = rng.choice(TITLE_FORMS).format(topic=rng.choice(TOPICS), n=rng.randint(2, 9), fy=fy)
        department = rng.choice(departments) if departments and rng.random() < 0.2 else None
        rows.append(
            Announcement(
                title=title,
                body=_body(rng, department.name_ja if department else "全職員"),
                department=department,
                author_id=rng.choice(authors),
                created_at=min(created_at, now),
            )
        )
    return Announcement.objects.bulk_create(rows, batch_size=BATCH)


def _notifications(count: int, announcements: list[Announcement], rng: random.Random, now) -> Iterator[Notification]:
    recipients = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    if not recipients:
        return
    heavy = set(User.objects.filter(groups__name__in=[Role.COE, Role.MANAGER, Role.ADMIN]).values_list("pk", flat=True))
    cum_weights = list(accumulate(HEAVY_WEIGHT if pk in heavy else 1 for pk in recipients))
    urls = {a.pk: reverse("notifications:announcement_detail", args=[a.pk]) for a in announcements}
    for recipient_id in rng.choices(recipients, cum_weights=cum_weights, k=count):
        if announcements:
            # Skewed towards recent announcements: use of a portal grows over the years.
            index = int(len(announcements) * (1 - rng.random() ** 2))
            announcement = announcements[min(index, len(announcements) - 1)]
            title, url, actor_id = announcement.title, urls[announcement.pk], announcement.author_id
            created_at = announcement.created_at + timedelta(seconds=rng.randint(1, 120))
        else:
            title, url, actor_id = rng.choice(TOPICS), "", None
            created_at = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        age = now - created_at
        read_at = None
        if rng.random() < (0.95 if age > timedelta(days=30) else 0.5):
            read_at = min(now, created_at + timedelta(minutes=rng.randint(5, 3 * 24 * 60)))
        yield Notification(
            recipient_id=recipient_id,
            kind="announcement",
            params={"title": title},
            url=url,
            actor_id=actor_id if actor_id != recipient_id else None,
            created_at=created_at,
            read_at=read_at,
        )


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260402)
    now = timezone.now()
    with _explicit_created_at(Announcement, Notification):
        announcements = _seed_announcements(sizes["announcements"], rng, now)
        rows = _notifications(sizes["notifications"], announcements, rng, now)
        created = 0
        while batch := list(islice(rows, BATCH)):
            created += len(Notification.objects.bulk_create(batch, batch_size=BATCH))
    stdout.write(f"notifications: {len(announcements):,} announcements, {created:,} notifications")
