"""A small city for the reports, in fiscal year 2024 (1 April 2024 – 31 March 2025), with
rows just inside and just outside both ends of the year. The expected figures in the
tests are worked out by hand from the comments here.

Departments: 市民局 (bureau) with 市民課 (s1) and 戸籍課 (s2) under it, and 環境局
(other), whose figures carry marker numbers (4,321.5 hours) a manager scoped to 市民局
must never see.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.ideas.models import AnswerStatus, Challenge, Idea, Vote
from apps.knowledge.models import Article, ArticleFeedback
from apps.knowledge.services import article_view_record
from apps.reports.models import ManagerScope
from apps.search.models import SearchQuery
from apps.support.models import Deflection, SupportRequest
from tests.cases.factories import CaseFactory, FieldFactory
from tests.factories import DepartmentFactory, UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.knowledge.factories import ArticleFactory
from tests.support.factories import SupportRequestFactory

JST = ZoneInfo("Asia/Tokyo")
FY = 2024


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


@dataclass
class City:
    bureau: Department
    s1: Department
    s2: Department
    other: Department
    users: dict[str, User] = field(default_factory=dict)
    manager_own: User | None = None
    manager_all: User | None = None
    admin: User | None = None
    coe: User | None = None
    staff: User | None = None
    challenge: Challenge | None = None


def _vote(idea: Idea, voter: User, when: datetime) -> Vote:
    vote = Vote.objects.create(idea=idea, challenge=idea.challenge, voter=voter, voter_department=voter.department)
    Vote.objects.filter(pk=vote.pk).update(created_at=when)  # auto_now_add on create
    return vote


def _idea(challenge, author, when, status=Idea.Status.APPROVED, answer=None) -> Idea:
    return IdeaFactory(
        challenge=challenge, author=author, department=author.department, submitted_at=when, status=status,
        answer_status=answer,
    )  # fmt: skip


def _request(requester, created, **fields) -> SupportRequest:
    return SupportRequestFactory(requester=requester, department=requester.department, created_at=created, **fields)


def _search(query: str, department: Department, hits: int, when: datetime) -> None:
    row = SearchQuery.objects.create(query=query, result_count=hits, department_id=department.pk)
    SearchQuery.objects.filter(pk=row.pk).update(created_at=when)


def _feedback(article, user, helpful: bool, when: datetime) -> None:
    row = ArticleFeedback.objects.create(article=article, user=user, helpful=helpful, department=user.department)
    ArticleFeedback.objects.filter(pk=row.pk).update(created_at=when)


def make_city() -> City:
    """The fixture's data (also used by tests/browser/test_reports.py)."""
    bureau = DepartmentFactory(code="R100", name_ja="市民局", name_en="Citizens Bureau", level="bureau")
    s1 = DepartmentFactory(code="R110", name_ja="市民課", name_en="Citizens Section", parent=bureau)
    s2 = DepartmentFactory(code="R120", name_ja="戸籍課", name_en="Family Register Section", parent=bureau)
    other = DepartmentFactory(code="R200", name_ja="環境局", name_en="Environment Bureau", level="bureau")
    c = City(bureau=bureau, s1=s1, s2=s2, other=other)
    # Head count: 市民局 1 (its manager), 市民課 3, 戸籍課 2, 環境局 5 (4 staff and a manager);
    # the administrator and the COE member have no department.
    for name, dept in [("a1", s1), ("a2", s1), ("a3", s1), ("b1", s2), ("b2", s2)] + [
        (f"c{i}", other) for i in range(1, 5)
    ]:
        c.users[name] = UserFactory(username=name, department=dept)
    u = c.users
    c.manager_own = UserFactory(username="manager_own", department=bureau, roles=[Role.MANAGER])
    ManagerScope.objects.create(user=c.manager_own, scope=ManagerScope.Scope.OWN)
    c.manager_all = UserFactory(username="manager_all", department=other, roles=[Role.MANAGER])
    c.admin = UserFactory(username="admin", department=None, roles=[Role.ADMIN])
    c.coe = UserFactory(username="coe", department=None, roles=[Role.COE])

    # --- ideas: challenge 「いいね！チャレンジ2024」, counts not hidden ---------------------
    ch = c.challenge = ChallengeFactory(
        title="いいね！チャレンジ2024",
        submission_start=jst(2024, 4, 1),
        submission_end=jst(2024, 9, 30),
        voting_start=jst(2024, 8, 1),
        voting_end=jst(2025, 4, 2),
    )
    adopted, considering = (
        AnswerStatus.objects.get_or_create(name_ja="採用", defaults={"name_en": "Adopted", "sort_order": 10})[0],
        AnswerStatus.objects.get_or_create(
            name_ja="検討中", defaults={"name_en": "Under consideration", "sort_order": 20}
        )[0],
    )
    i1 = _idea(ch, u["a1"], jst(2024, 8, 10, 10), answer=adopted)
    _idea(ch, u["a2"], jst(2025, 3, 31, 23, 59, 59), status=Idea.Status.SUBMITTED)  # last second of FY2024
    i3 = _idea(ch, u["b1"], jst(2024, 4, 1))  # first second of FY2024
    i4 = _idea(ch, u["c1"], jst(2024, 9, 1), answer=considering)
    _idea(ch, u["c2"], jst(2025, 4, 1))  # FY2025
    _idea(ch, u["c3"], jst(2024, 3, 31, 23, 59, 59))  # FY2023
    _idea(ch, u["c4"], None, status=Idea.Status.DRAFT)
    _idea(ch, u["c4"], jst(2024, 10, 1), status=Idea.Status.RETURNED)
    # FY2024: 市民課 2 submitted / 1 approved, 戸籍課 1/1, 環境局 2/1.
    _vote(i3, u["a1"], jst(2024, 8, 20))
    _vote(i4, u["a1"], jst(2024, 8, 20))
    _vote(i1, u["a3"], jst(2024, 8, 21))
    _vote(i1, u["b2"], jst(2024, 8, 22))
    _vote(i1, u["c1"], jst(2024, 8, 23))
    _vote(i3, u["c1"], jst(2024, 8, 23))
    _vote(i1, u["c2"], jst(2025, 4, 1))  # FY2025
    _vote(i4, u["c3"], jst(2025, 3, 31, 23, 59, 59))
    # FY2024 votes: 市民課 3 by 2 voters, 戸籍課 1 by 1, 環境局 3 by 2; 7 votes, 5 voters.

    # --- support requests ---------------------------------------------------------------
    # Office days from request to first response: R1 1.0 (Golden Week between), R2 0.25,
    # R3 1.75 (a weekend between), R4 6.0 (海の日 15 July between); to resolution R2 2.25, R4 11.0.
    past = jst(2024, 12, 1)
    _request(
        u["a1"], jst(2024, 5, 2, 9), kind="tool_adoption", status="in_progress",
        first_responded_at=jst(2024, 5, 7, 9),
        first_response_due_at=jst(2024, 5, 7, 23, 59, 59), resolution_due_at=jst(2024, 5, 20, 23, 59, 59),
    )  # fmt: skip
    _request(
        u["a2"], jst(2024, 6, 3, 10), kind="technical", status="closed",
        first_responded_at=jst(2024, 6, 3, 16), resolved_at=jst(2024, 6, 5, 16), closed_at=jst(2024, 6, 6),
        first_response_due_at=jst(2024, 6, 3, 12), resolution_due_at=jst(2024, 6, 10, 23, 59, 59), rating=5,
    )  # fmt: skip
    _request(
        u["b1"], jst(2024, 6, 7, 18), kind="design_thinking", status="waiting",
        first_responded_at=jst(2024, 6, 11, 12),
        first_response_due_at=jst(2024, 6, 12, 23, 59, 59), resolution_due_at=jst(2024, 6, 25, 23, 59, 59),
    )  # fmt: skip
    _request(
        u["c1"], jst(2024, 7, 10), kind="technical", status="resolved",
        first_responded_at=jst(2024, 7, 19), resolved_at=jst(2024, 7, 26),
        first_response_due_at=jst(2024, 7, 12, 23, 59, 59), resolution_due_at=jst(2024, 7, 31, 23, 59, 59), rating=4,
    )  # fmt: skip
    _request(
        u["c2"], jst(2024, 10, 1, 10), kind="other", status="new",
        first_response_due_at=jst(2024, 10, 4, 23, 59, 59), resolution_due_at=jst(2024, 10, 15, 23, 59, 59),
    )  # fmt: skip
    _request(
        u["c3"], jst(2024, 11, 1, 10), kind="other", status="cancelled", closed_at=past,
        first_response_due_at=jst(2024, 11, 5, 23, 59, 59), resolution_due_at=jst(2024, 11, 15, 23, 59, 59),
    )  # fmt: skip
    _request(u["c4"], jst(2025, 4, 1), kind="planning", status="new")  # FY2025
    future = timezone.now() + timedelta(days=10)
    _request(
        u["c4"], jst(2025, 3, 31, 23, 59, 59), kind="planning", status="new",
        first_response_due_at=future, resolution_due_at=future + timedelta(days=10),
    )  # fmt: skip

    for user, kind, pk, title, when in [
        (u["a1"], "article", 11, "Teams の使い方", jst(2024, 6, 1)),
        (u["a2"], "article", 11, "Teams の使い方", jst(2024, 7, 1)),
        (u["c1"], "case", 21, "RPA 事例（環境局）", jst(2024, 8, 1)),
        (u["c2"], "article", 11, "Teams の使い方", jst(2025, 4, 1)),
    ]:
        Deflection.objects.create(
            user=user, department=user.department, target_type=kind, object_id=pk, title=title, url="/x/",
            created_at=when,
        )  # fmt: skip

    # --- knowledge ----------------------------------------------------------------------
    k1 = ArticleFactory(title="Teams 会議の始め方", owner=u["a1"], review_by=date(2020, 1, 1))
    k2 = ArticleFactory(title="Power Automate 入門", owner=u["c1"], review_by=date(2099, 1, 1))
    ArticleFactory(title="下書き", owner=u["c1"], status=Article.Status.DRAFT, review_by=date(2020, 1, 1))
    ArticleFactory(title="戸籍の手引き", owner=u["b1"], review_by=None)
    for user, article, day in [
        (u["a1"], k1, date(2024, 4, 1)),
        (u["a1"], k1, date(2024, 4, 2)),
        (u["a2"], k2, date(2025, 3, 31)),
        (u["b1"], k1, date(2024, 5, 1)),
        (u["c1"], k2, date(2024, 6, 1)),
        (u["c2"], k2, date(2025, 4, 1)),  # FY2025
        (u["c3"], k1, date(2024, 3, 31)),  # FY2023
    ]:
        assert article_view_record(article=article, user=user, today=day)
    _feedback(k1, u["a1"], True, jst(2024, 4, 10))
    _feedback(k1, u["a2"], False, jst(2024, 5, 10))
    _feedback(k1, u["b1"], True, jst(2024, 6, 10))
    _feedback(k2, u["c1"], True, jst(2025, 4, 2))  # FY2025
    _search("粗大ごみ", s1, 3, jst(2024, 5, 1))
    _search("粗大ごみ", s1, 3, jst(2024, 5, 1, 12))
    _search("申請", s2, 0, jst(2024, 6, 1))
    _search("申請", other, 0, jst(2024, 7, 1))
    _search("テレワーク", other, 0, jst(2025, 4, 1))  # FY2025
    _search("環境アセスメント", other, 5, jst(2024, 8, 1))

    # --- cases --------------------------------------------------------------------------
    service = FieldFactory(code="r-service", name_ja="行政サービス", name_en="Administrative services", sort_order=1)
    disaster = FieldFactory(code="r-disaster", name_ja="防災", name_en="Disaster prevention", sort_order=2)
    CaseFactory(department=s1, field=service, stage="live", started_on=date(2024, 4, 1),
                hours_saved_per_year=Decimal("1234.5"), hours_method="measured")  # fmt: skip
    CaseFactory(department=s2, field=service, stage="pilot", started_on=date(2025, 3, 31),
                hours_saved_per_year=Decimal("100.0"), hours_method="estimated")  # fmt: skip
    CaseFactory(department=other, field=disaster, stage="live", started_on=date(2024, 10, 10),
                hours_saved_per_year=Decimal("4321.5"), hours_method="estimated")  # fmt: skip
    CaseFactory(department=other, field=None, stage="idea", started_on=date(2024, 12, 1))
    CaseFactory(department=other, field=disaster, stage="live", started_on=date(2025, 4, 1),
                hours_saved_per_year=Decimal("999.0"), hours_method="measured")  # fmt: skip
    CaseFactory(department=other, field=disaster, stage="live", started_on=date(2024, 6, 1), draft=True,
                hours_saved_per_year=Decimal("777.0"), hours_method="measured")  # fmt: skip
    c.staff = u["a3"]
    return c
