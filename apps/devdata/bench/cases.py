"""Benchmark data: a case library the size of a large city's after years of DX, 25,000 cases.

Loaded by `manage.py seed_bench` after accounts (departments and users). Cases are spread
unevenly, like real ones: most are in operation or piloting, a few are ideas or stopped;
recent fiscal years have more; about 1 in 10 is a draft. Text is assembled from realistic
Japanese phrases. The published cases are also put in the search index, so search
benchmarks find them.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.cases.models import Case, Field, Stage, Tool, Visibility
from apps.cases.reference import reference_data_ensure
from apps.core.dates import fiscal_year
from apps.devdata.demo.cases import METHOD_NOTES
from apps.search.registry import Audience, SearchDoc
from apps.search.services import search_documents_bulk_put

SIZES = {"cases": 25_000}
BATCH = 2_000

DOCUMENTS = [
    "給与支払報告書", "介護保険の認定申請書", "児童手当の現況届", "住民票の写しの請求書", "道路占用許可申請書",
    "補助金の実績報告書", "会議録", "契約書", "予算要求資料", "出張命令簿", "国民健康保険の資格確認", "犬の登録申請",
]  # fmt: skip
SERVICES = [
    "粗大ごみの収集申込", "保育所の入所申請", "転入・転出の手続き", "公民館の講座予約", "税証明の発行",
    "ごみの分別案内", "市営住宅の入居申込", "健康診断の予約", "図書館の資料予約", "罹災証明の申請",
]  # fmt: skip
PLACES = ["中央公園", "駅前交差点", "市民プール", "中央図書館", "河川敷", "駅前広場", "市役所本庁舎", "総合体育館"]
WORKS = ["橋梁点検", "道路パトロール", "上下水道の管路点検", "公園遊具の点検", "避難所の開設", "学校施設の修繕"]

# (title pattern, tools, field)
TOPICS = [
    ("{document}の入力作業をRPAで自動化", ["rpa"], "internal-operations"),
    ("{document}をAI-OCRで読み取ってシステムに登録", ["ai-ocr", "rpa"], "internal-operations"),
    ("{service}の問い合わせにチャットボットで24時間対応", ["chatbot"], "administrative-services"),
    ("{service}のオンライン化", ["online-application", "low-code"], "administrative-services"),
    ("{place}のカメラ映像を画像認識で分析", ["image-recognition", "iot-sensors"], "public-safety"),
    ("{place}の利用状況をセンサーとダッシュボードで見える化", ["iot-sensors", "bi", "data-platform"], "environment"),
    ("{document}の作成を生成AIで支援", ["generative-ai", "microsoft-365"], "internal-operations"),
    ("{work}をMRデバイスで遠隔支援", ["mixed-reality", "web-meeting"], "urban-infrastructure"),
    ("{service}の予約とSMSによるお知らせ", ["sms", "online-application"], "administrative-services"),
    ("{work}の記録をローコードアプリで共有", ["low-code", "microsoft-365"], "urban-infrastructure"),
    ("{place}周辺の情報をGISで地図に公開", ["gis", "data-platform"], "disaster-prevention"),
    ("{service}の受付状況をBIで分析", ["bi", "data-platform"], "welfare"),
]
EFFECTS = [
    "職員の入力作業が大幅に減り、住民対応に時間を使えるようになりました。",
    "受付時間外の申込が増え、窓口の混雑が緩和されました。",
    "紙の回覧と転記がなくなり、処理の日数が半分になりました。",
    "状況がリアルタイムにわかり、巡回や確認の回数を減らせました。",
    "問い合わせの約4割が自動応答で完結するようになりました。",
]
PROBLEMS = [
    "繁忙期に{document}の処理が集中し、時間外勤務が増えていました。",
    "{service}は窓口と電話でしか受け付けておらず、待ち時間が長くなっていました。",
    "{place}の状況は職員の巡回でしか把握できず、対応が後手に回っていました。",
    "{work}には熟練職員の同行が必要で、件数をこなせませんでした。",
]
APPROACHES = [
    "まず1つの課で小さく試し、効果を測ってから対象を広げました。",
    "業務担当者とCOEが一緒に画面と手順を作り、担当者が自分で直せるようにしました。",
    "既存のライセンスとデータ連携基盤を使い、追加の費用を抑えました。",
    "住民向けの説明を先に公表し、個人情報の扱いを明確にしてから始めました。",
]
LESSONS = [
    "最初から全部を対象にせず、件数の多い業務から始めたことが成功の鍵でした。",
    "止まったときの手順を先に決めておくと、安心して任せられます。",
    "デジタルが苦手な方のために、従来の方法も残しています。",
    "効果の数字を早く示すことで、他の課からの相談が増えました。",
]
STAGE_WEIGHTS = {
    Stage.IDEA: 6,
    Stage.POC: 10,
    Stage.PILOT: 20,
    Stage.LIVE: 42,
    Stage.SCALED: 15,
    Stage.STOPPED: 7,
}
FISCAL_YEAR_WEIGHTS = {2019: 3, 2020: 5, 2021: 8, 2022: 11, 2023: 15, 2024: 19, 2025: 22, 2026: 17}


def counts() -> dict[str, int]:
    return {"cases": Case.objects.count()}


def _started_on(rng: random.Random, year: int, today: date) -> date:
    start = date(year, 4, 1)
    day = start + timedelta(days=rng.randrange(365))
    return min(day, today)


def _hours(rng: random.Random, stage: str) -> tuple[Decimal | None, str]:
    chance = 0.85 if stage in (Stage.PILOT, Stage.LIVE, Stage.SCALED) else 0.35
    if rng.random() > chance:
        return None, ""
    hours = Decimal(round(rng.lognormvariate(5.5, 1.0) * 2) / 2).quantize(Decimal("0.1"))
    measured = stage in (Stage.LIVE, Stage.SCALED) and rng.random() < 0.6
    return min(hours, Decimal("50000")), "measured" if measured else "estimated"


def _cases(count: int, rng: random.Random) -> Iterator[tuple[Case, list[int], list[int], list[int]]]:
    today = timezone.localdate()
    sections = list(Department.objects.filter(level=Department.Level.SECTION)) or list(Department.objects.all())
    fields = {f.code: f for f in Field.objects.all()}
    tools = {t.code: t for t in Tool.objects.all()}
    authors = list(
        User.objects.filter(groups__name__in=[Role.COE, Role.ADMIN], is_active=True).values_list("pk", flat=True)
    )
    users_by_department: dict[int, list[int]] = {}
    for pk, department_id in User.objects.filter(is_active=True).values_list("pk", "department_id")[:20_000]:
        users_by_department.setdefault(department_id, []).append(pk)
    stages, stage_weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    years = [y for y in FISCAL_YEAR_WEIGHTS if y <= fiscal_year(today)]
    year_weights = [FISCAL_YEAR_WEIGHTS[y] for y in years]
    now = timezone.now()
    for i in range(count):
        department = rng.choice(sections)
        pattern, tool_codes, field_code = rng.choice(TOPICS)
        words = {
            "document": rng.choice(DOCUMENTS),
            "service": rng.choice(SERVICES),
            "place": rng.choice(PLACES),
            "work": rng.choice(WORKS),
        }
        title = pattern.format(**words)
        stage = rng.choices(stages, weights=stage_weights)[0]
        started_on = _started_on(rng, rng.choices(years, weights=year_weights)[0], today)
        hours, method = _hours(rng, stage)
        draft = rng.random() < 0.1
        extra_tool = rng.choice(list(tools)) if rng.random() < 0.3 else None
        chosen_tools = {tools[code].pk for code in tool_codes if code in tools}
        if extra_tool:
            chosen_tools.add(tools[extra_tool].pk)
        if field_code not in fields or rng.random() < 0.15:
            field_code = rng.choice(list(fields))
        reused = [d.pk for d in rng.sample(sections, k=min(len(sections), rng.choice([0, 0, 0, 1, 1, 2, 3])))]
        contacts = users_by_department.get(department.pk, [])[:1] + (rng.sample(authors, 1) if authors else [])
        case = Case(
            slug=f"bench-{i + 1:06d}",
            title=f"{title}（{department.name_ja}）",
            summary=f"{department.name_ja}で{title}に取り組みました。{rng.choice(EFFECTS)}",
            department=department,
            field=fields[field_code],
            stage=stage,
            started_on=started_on,
            fiscal_year=fiscal_year(started_on),
            problem=rng.choice(PROBLEMS).format(**words),
            baseline=f"年間約{rng.randint(2, 90) * 500:,}件を手作業で処理。",
            approach=" ".join(rng.sample(APPROACHES, 2)),
            hours_saved_per_year=hours,
            hours_method=method,
            hours_method_note=METHOD_NOTES[method],
            initial_cost_yen=rng.choice([None, 0, 300_000, 1_200_000, 3_500_000, 9_800_000]),
            annual_cost_yen=rng.choice([None, 0, 120_000, 600_000, 1_800_000]),
            residents_affected=rng.choice([None, None, 800, 5_000, 24_000, 120_000]),
            outcome_before="手作業と紙での処理。",
            outcome_after=rng.choice(EFFECTS),
            lessons=rng.choice(LESSONS),
            visibility=Visibility.DRAFT if draft else Visibility.PUBLISHED,
            published_at=None if draft else now,
            author_id=rng.choice(authors) if authors else None,
        )
        yield case, sorted(chosen_tools), reused, contacts


def _search_documents(cases: list[Case], tool_names: dict[int, str], tools_of: dict[int, list[int]]) -> list:
    stage_labels = dict(Stage.choices)
    return [
        (
            case.pk,
            SearchDoc(
                title=case.title,
                body="\n".join(
                    [case.summary, case.problem, case.approach, " ".join(tool_names[t] for t in tools_of[case.pk])]
                ),
                url=case.get_absolute_url(),
                updated_at=case.updated_at,
                audience=Audience.ALL,
                department_id=case.department_id,
                meta=[case.department.name_ja, case.field.name_ja, str(stage_labels[case.stage])],
            ),
        )
        for case in cases
        if case.visibility == Visibility.PUBLISHED
    ]


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260403)
    reference_data_ensure()
    tool_names = dict(Tool.objects.values_list("pk", "name_ja"))
    CaseTools, Reused, Contacts = Case.tools.through, Case.reused_by.through, Case.contacts.through
    rows = _cases(sizes["cases"], rng)
    created = indexed = 0
    while batch := list(islice(rows, BATCH)):
        cases = Case.objects.bulk_create([case for case, *_ in batch], batch_size=BATCH)
        tools_of = {case.pk: tools for case, (_c, tools, _r, _p) in zip(cases, batch, strict=True)}
        CaseTools.objects.bulk_create(
            [CaseTools(case_id=case_id, tool_id=tool_id) for case_id, tools in tools_of.items() for tool_id in tools],
            batch_size=BATCH,
        )
        Reused.objects.bulk_create(
            [
                Reused(case_id=case.pk, department_id=dept_id)
                for case, (_c, _t, reused, _p) in zip(cases, batch, strict=True)
                for dept_id in reused
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        Contacts.objects.bulk_create(
            [
                Contacts(case_id=case.pk, user_id=user_id)
                for case, (_c, _t, _r, people) in zip(cases, batch, strict=True)
                for user_id in dict.fromkeys(people)
            ],
            batch_size=BATCH,
        )
        indexed += search_documents_bulk_put(kind="case", items=_search_documents(cases, tool_names, tools_of))
        created += len(cases)
    stdout.write(f"cases: {created:,} cases, {indexed:,} in the search index")
