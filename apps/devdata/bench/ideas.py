"""Benchmark data: one large idea challenge in its voting period.

Loaded by `manage.py seed_bench` after accounts (whose staff write and vote). 5,000 ideas
and 500,000 votes by default; votes are skewed towards a few popular ideas, as in life,
each (voter, idea) pair at most once and nobody votes for their own idea. `vote_count`
is computed from the same plan the votes are inserted from, so it equals the rows.
PostgreSQL gets the votes by COPY; other databases by bulk_create in batches.
"""

import random
from datetime import timedelta
from itertools import islice

from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.ideas.models import Category, Challenge, Comment, Idea, Vote
from apps.ideas.search import idea_document
from apps.search.services import search_documents_bulk_put

SIZES = {"ideas": 5_000, "votes": 500_000}
BATCH = 5_000
UNPUBLISHED_SHARE = 0.03  # drafts and ideas waiting for the COE: never voted for

TOPICS = [
    "RPA", "Power Apps", "Teams", "SharePoint", "Forms", "Power BI", "電子申請", "チャットボット",
    "AI-OCR", "生成AI", "オープンデータ", "テレワーク", "ペーパーレス", "キャッシュレス", "窓口予約",
]  # fmt: skip
AIMS = [
    "で{task}を効率化",
    "を使った{task}の見える化",
    "による{task}の自動化",
    "で{task}をオンライン化",
    "で{task}の待ち時間を減らす",
]
TASKS = [
    "会計伝票の入力", "住民票の請求受付", "道路の点検報告", "会議録の作成", "庁内アンケート", "保育所の入所申込",
    "粗大ごみの受付", "施設予約", "議会答弁の準備", "防災情報の共有", "税証明の発行", "補助金の審査",
]  # fmt: skip
CATEGORIES = [
    ("業務効率化", "Efficiency"),
    ("市民サービス", "Services for residents"),
    ("働き方改革", "Ways of working"),
    ("データ活用", "Using data"),
    ("危機管理", "Crisis response"),
    ("人材育成", "Skills"),
]


def counts() -> dict[str, int]:
    return {"ideas": Idea.objects.count(), "votes": Vote.objects.count()}


def _vote_plan(n_votes: int, votable: list[int], authors: list[int], users: list[tuple[int, int | None]], rng):
    """(idea index, voter id, voter department id) triples: every voter gives up to
    `per_user` votes to distinct ideas, popular ideas (low indexes) far more often."""
    if not votable or not users:
        return []
    per_user = min(len(votable) - 1, -(-n_votes // len(users))) or 1
    plan: list[tuple[int, int, int | None]] = []
    order = users[:]
    rng.shuffle(order)
    for voter_id, department_id in order:
        if len(plan) >= n_votes:
            break
        wanted = min(per_user, n_votes - len(plan))
        chosen: set[int] = set()
        tries = 0
        while len(chosen) < wanted and tries < wanted * 10:
            tries += 1
            index = votable[int(len(votable) * rng.random() ** 2.5)]
            if authors[index] != voter_id:
                chosen.add(index)
        plan.extend((index, voter_id, department_id) for index in chosen)
    return plan


def _insert_votes(rows, total: int) -> None:
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY ideas_vote (idea_id, challenge_id, voter_id, voter_department_id, created_at) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        Vote.objects.bulk_create(
            [
                Vote(idea_id=i, challenge_id=c, voter_id=v, voter_department_id=d, created_at=t)
                for i, c, v, d, t in batch
            ],
            batch_size=BATCH,
        )


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260811)
    n_ideas, n_votes = sizes["ideas"], sizes["votes"]
    users = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", "department_id"))
    coe_id = (
        User.objects.filter(groups__name=Role.COE, is_active=True).order_by("pk").values_list("pk", flat=True).first()
    )
    if not users or n_ideas == 0:
        stdout.write("ideas: skipped (no users or no ideas requested)")
        return
    now = timezone.now()
    challenge = Challenge.objects.create(
        title="DXアイデアチャレンジ（ベンチマーク）",
        theme="Microsoft 365・Power Platform・RPA などで仕事と市民サービスをよくするアイデアを募集します。",
        submission_start=now - timedelta(days=40),
        submission_end=now + timedelta(days=5),
        voting_start=now - timedelta(days=30),
        voting_end=now + timedelta(days=10),
        vote_kind=Challenge.VoteKind.LIKE,
        premoderation=True,
        created_by_id=coe_id or users[0][0],
        # Already announced: the beat job must not notify 50,000 people during a benchmark.
        voting_open_notified_at=now - timedelta(days=30),
    )
    categories = Category.objects.bulk_create(
        [Category(challenge=challenge, name_ja=ja, name_en=en, sort_order=i) for i, (ja, en) in enumerate(CATEGORIES)]
    )
    author_rows = [rng.choice(users) for _ in range(n_ideas)]
    authors = [pk for pk, _dept in author_rows]
    published = [rng.random() >= UNPUBLISHED_SHARE for _ in range(n_ideas)]
    votable = [i for i in range(n_ideas) if published[i]]
    plan = _vote_plan(n_votes, votable, authors, users, rng)
    per_idea = [0] * n_ideas
    for index, _voter, _dept in plan:
        per_idea[index] += 1

    rows = []
    for i in range(n_ideas):
        topic, task = rng.choice(TOPICS), rng.choice(TASKS)
        title = f"{topic}{rng.choice(AIMS).format(task=task)}（案{i + 1}）"
        status = Idea.Status.APPROVED if published[i] else rng.choice([Idea.Status.SUBMITTED, Idea.Status.DRAFT])
        rows.append(
            Idea(
                challenge=challenge,
                title=title[:150],
                summary=f"{task}に毎月多くの時間がかかっている。{topic}を使って手作業を減らし、職員と市民の負担を軽くする。",
                body=(
                    f"## 現状\n{task}は紙と手入力が中心。\n\n## 提案\n{topic}で流れを見直す。\n\n"
                    "## 効果\n年間の作業時間を減らす。"
                ),
                category=categories[i % len(categories)],
                department_id=author_rows[i][1],
                tags=f"{topic}, {task}",
                author_id=authors[i],
                status=status,
                submitted_at=None
                if status == Idea.Status.DRAFT
                else now - timedelta(minutes=rng.randint(60, 40 * 1440)),
                vote_count=per_idea[i],
            )
        )
    ideas = Idea.objects.bulk_create(rows, batch_size=BATCH)
    ids = [idea.pk for idea in ideas]

    vote_rows = (
        (ids[index], challenge.pk, voter, dept, now - timedelta(seconds=rng.randint(60, 30 * 86400)))
        for index, voter, dept in plan
    )
    _insert_votes(vote_rows, len(plan))

    # A discussion on the popular ideas, so idea pages have comments to show.
    commenters = [pk for pk, _d in rng.sample(users, min(len(users), 200))]
    comments = [
        Comment(
            idea_id=ids[index],
            author_id=rng.choice(commenters),
            body=f"賛成です。{rng.choice(TASKS)}でも使えそうです。",
        )
        for index in votable[:50]
        for _ in range(rng.randint(1, 12))
    ]
    Comment.objects.bulk_create(comments, batch_size=BATCH)

    for idea in ideas:
        idea.challenge = challenge
    by_category = {c.pk: c for c in categories}
    for idea in ideas:
        idea.category = by_category[idea.category_id]
    from apps.accounts.models import Department

    departments = Department.objects.in_bulk({idea.department_id for idea in ideas if idea.department_id})
    documents = []
    for idea in ideas:
        idea.department = departments.get(idea.department_id)
        doc = idea_document(idea)
        if doc is not None:
            documents.append((idea.pk, doc))
    indexed = 0
    for start in range(0, len(documents), BATCH):
        indexed += search_documents_bulk_put(kind="idea", items=documents[start : start + BATCH])
    stdout.write(
        f"ideas: 1 challenge, {len(ideas):,} ideas ({len(votable):,} published, {indexed:,} indexed), "
        f"{len(plan):,} votes, {len(comments):,} comments"
    )
