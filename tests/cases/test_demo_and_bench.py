"""The demo seed (the proposal's cases and a library around them) and the benchmark loader."""

import io

import pytest
from django.core.management import call_command

from apps.cases.models import Case, CaseAttachment, Visibility
from apps.devdata.bench import cases as bench
from apps.search.models import SearchDocument

pytestmark = pytest.mark.django_db

PROPOSAL_CASES = [
    "sodai-gomi-chatbot",
    "rpa-tax-clerical",
    "intersection-traffic-analysis",
    "park-camera-people-flow",
    "hololens-field-support",
    "covid19-rapid-response",
    "idea-challenge-iine",
]

# The bulky-waste chatbot's conversation, in order (from the proposal).
CONVERSATION = [
    "新規申し込み",
    "どのようなものの収集を希望されますか？",
    "エアコン",
    "市ではエアコンは収集していません。",
    "写真を撮影してください。",
    "画像認識API",
    "食器棚ですね。サイズは高さ又は幅90cm超でよろしいでしょうか？",
    "食器棚（サイズ大）",
    "手数料は、1200円になります。申込を続けますか？",
    "郵便番号を入力してください。ハイフンなしの7ケタで入力。",
    "1234567",
    "外部API連携",
    "〇〇区〇〇〇 2丁目ですね。",
    "携帯電話番号を入力してください。",
    "090-9999-9999",
    "ショートメッセージにURLをお送りしました。",
    "https://案件ごとのURL/",
    "| 品目 | 食器棚（自動入力） |",
    "| 料金 | 1200円（自動入力） |",
    "| 名前 | 入力してください |",
]


def test_seed_demo_is_idempotent_and_rich_enough_for_facets():
    call_command("seed_demo", stdout=io.StringIO())
    snapshot = list(Case.objects.order_by("slug").values_list("slug", "updated_at"))
    attachments = CaseAttachment.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert list(Case.objects.order_by("slug").values_list("slug", "updated_at")) == snapshot
    assert CaseAttachment.objects.count() == attachments == 2

    assert set(PROPOSAL_CASES) <= {slug for slug, _ in snapshot}
    assert Case.objects.count() >= 30
    published = Case.objects.published()
    assert published.values("department").distinct().count() >= 15
    assert published.values("field").distinct().count() >= 8
    assert set(published.values_list("stage", flat=True)) >= {"poc", "pilot", "live", "scaled", "stopped"}
    assert {2023, 2024, 2025, 2026} <= set(published.values_list("fiscal_year", flat=True))
    assert set(published.values_list("hours_method", flat=True)) >= {"measured", "estimated"}
    assert Case.objects.filter(visibility=Visibility.DRAFT).exists()
    assert Case.objects.filter(reused_by__isnull=False).distinct().count() >= 10
    # Published demo cases are findable; drafts are not.
    assert SearchDocument.objects.filter(kind="case").count() == published.count()


def test_the_chatbot_case_tells_the_whole_conversation():
    call_command("seed_demo", stdout=io.StringIO())
    approach = Case.objects.get(slug="sodai-gomi-chatbot").approach
    positions = [approach.index(step) for step in CONVERSATION]
    assert positions == sorted(positions)


def test_bench_seed_small():
    call_command("seed_demo", stdout=io.StringIO())  # departments and users, as seed_bench's accounts step
    before = Case.objects.count()
    out = io.StringIO()
    bench.seed(sizes={"cases": 300}, stdout=out)
    assert bench.counts()["cases"] == before + 300
    rows = Case.objects.filter(slug__startswith="bench-")
    assert rows.count() == 300
    assert (
        rows.filter(visibility=Visibility.DRAFT).exists() and rows.filter(hours_saved_per_year__isnull=False).exists()
    )
    assert all(case.fiscal_year in range(2019, 2027) for case in rows.only("fiscal_year"))
    assert Case.tools.through.objects.filter(case__slug__startswith="bench-").count() >= 300
    assert SearchDocument.objects.filter(kind="case").count() == Case.objects.published().count()
    assert "300 cases" in out.getvalue()
