"""The case library in a real browser: axe-clean pages, filters that work with and without
JavaScript, and a case page that prints on A4 without the portal's navigation."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.cases.models import Case
from tests.cases.factories import CaseFactory, FieldFactory, ToolFactory
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def library(transactional_db):
    env_dept = DepartmentFactory(code="530", name_ja="清掃事業課", name_en="Waste Collection Section")
    road_dept = DepartmentFactory(code="640", name_ja="交通政策課", name_en="Transport Policy Section")
    service = FieldFactory(code="administrative-services", name_ja="行政サービス", name_en="Administrative services")
    transport = FieldFactory(code="transport", name_ja="交通", name_en="Transport")
    chatbot = ToolFactory(code="chatbot", name_ja="チャットボット", name_en="Chatbot")
    vision = ToolFactory(code="image-recognition", name_ja="画像認識", name_en="Image recognition")
    contact = UserFactory(display_name="山口 誠", department=env_dept)
    chatbot_case = CaseFactory(
        title="粗大ごみ受付チャットボット（画像認識・郵便番号検索・SMS連携）",
        summary="写真で品目がわかるチャットボットで、24時間いつでも申し込めるようにしました。",
        department=env_dept,
        field=service,
        tools=[chatbot, vision],
        stage="live",
        started_on=date(2024, 6, 3),
        problem="電話が**つながりにくい**。\n\n- 品目の聞き取りに時間がかかる\n- 住所の聞き間違い",
        baseline="年間約4万件、1件平均6分。",
        approach="1. **市**：「どのようなものの収集を希望されますか？」\n2. **住民**：「エアコン」\n\n"
        "| 項目 | 内容 |\n|---|---|\n| 品目 | 食器棚 |\n| 料金 | 1200円 |",
        hours_saved_per_year=Decimal("1850"),
        hours_method="estimated",
        hours_method_note="申込件数 × 6分から推計。",
        measured_from=date(2024, 10, 1),
        measured_until=date(2025, 3, 31),
        initial_cost_yen=6_800_000,
        annual_cost_yen=2_400_000,
        residents_affected=24_000,
        outcome_before="電話のみ。",
        outcome_after="申込の6割がチャットボット経由。",
        lessons="判定結果を必ず住民に確認する。",
        success_conditions="- 品目と手数料のデータベース",
        reused_by=[road_dept],
        contacts=[contact],
    )
    chatbot_case.links.create(title="Vision Zero", url="https://www.microsoft.com/en-us/research/")
    CaseFactory(
        title="交差点カメラ映像の画像認識による交通量分析",
        department=road_dept,
        field=transport,
        tools=[vision],
        stage="pilot",
        started_on=date(2025, 4, 1),
        hours_saved_per_year=Decimal("620"),
        hours_method="measured",
    )
    CaseFactory(title="下書きの事例", department=road_dept, field=transport, draft=True)
    return chatbot_case


@pytest.mark.browser
def test_case_list_with_facets_is_axe_clean(page_for, axe_check, library):
    page = page_for(UserFactory())
    page.goto("/cases/?tool=image-recognition")
    expect(page.locator(".case-card")).to_have_count(2)
    expect(page.locator("fieldset.facet legend")).to_have_count(5)
    expect(page.locator(".active-filters a.tag--removable")).to_have_count(1)
    axe_check(page)


@pytest.mark.browser
def test_empty_list_is_axe_clean(page_for, axe_check, library):
    page = page_for(UserFactory())
    page.goto("/cases/?fy=2019")
    expect(page.locator(".empty-state")).to_be_visible()
    axe_check(page)


@pytest.mark.browser
def test_filters_work_without_javascript(page_for, new_page, library, live_server):
    user = UserFactory()
    page = page_for(user, java_script_enabled=False)
    page.goto("/cases/")
    expect(page.locator(".case-card")).to_have_count(2)
    page.locator("#facet-field-transport").check()
    page.locator(".case-filters__apply").click()
    expect(page).to_have_url(f"{live_server.url}/cases/?field=transport")
    expect(page.locator(".case-card")).to_have_count(1)
    # The active filter can be removed with a plain link.
    page.locator(".active-filters a.tag--removable").click()
    expect(page.locator(".case-card")).to_have_count(2)


@pytest.mark.browser
def test_ticking_a_facet_updates_results_and_address_with_htmx(page_for, library, live_server):
    page = page_for(UserFactory())
    page.goto("/cases/")
    checkbox = page.locator("#facet-tool-chatbot")
    checkbox.check()
    expect(page).to_have_url(f"{live_server.url}/cases/?tool=chatbot")
    expect(page.locator(".case-card")).to_have_count(1)
    # Focus stays on the checkbox the user ticked, so keyboard users keep their place.
    expect(page.locator("#facet-tool-chatbot")).to_be_focused()
    expect(page.locator("#facet-tool-chatbot")).to_be_checked()


@pytest.mark.browser
@pytest.mark.parametrize("roles", [[], [Role.COE]], ids=["staff", "coe"])
def test_case_page_is_axe_clean(page_for, axe_check, library, roles):
    page = page_for(UserFactory(roles=roles))
    page.goto(f"/cases/{library.pk}/")
    expect(page.locator("h1")).to_have_text(library.title)
    expect(page.locator(".figure")).to_have_count(4)
    axe_check(page)


@pytest.mark.browser
def test_case_page_prints_without_navigation(page_for, library):
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto(f"/cases/{library.pk}/")
    expect(page.locator(".site-nav")).to_be_visible()
    page.emulate_media(media="print")
    for selector in (
        ".site-header",
        ".site-nav",
        ".breadcrumbs",
        ".site-footer",
        ".case-page .actions",
        ".attachment-form",
    ):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".figures")).to_be_visible()
    expect(page.locator("#case-approach")).to_be_visible()
    # External article links show their address on paper.
    expect(page.locator(".case-print-url").first).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")


@pytest.mark.browser
def test_totals_page_is_axe_clean(page_for, axe_check, library):
    page = page_for(UserFactory())
    page.goto("/cases/hours-saved/")
    table = page.locator("table.totals-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tfoot")).to_contain_text("2,470")
    axe_check(page)


@pytest.mark.browser
def test_editor_with_errors_is_axe_clean_and_keeps_input(page_for, axe_check, library):
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto("/cases/new/")
    page.locator("#id_title").fill("書きかけの事例")
    page.locator("#id_hours_saved_per_year").fill("-5")
    page.locator("main form.case-form button[name=draft]").click()
    page.locator("#error-summary").wait_for()
    expect(page.locator("#id_title")).to_have_value("書きかけの事例")
    expect(page.locator("#id_hours_saved_per_year")).to_have_value("-5")
    axe_check(page)
    assert not Case.objects.filter(title="書きかけの事例").exists()


@pytest.mark.browser
def test_fields_and_tools_page_is_axe_clean(page_for, axe_check, library):
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto("/cases/fields-and-tools/")
    expect(page.locator("main table")).to_have_count(2)
    page.locator("form.reference-add").last.locator("button[type=submit]").click()
    page.locator("#error-summary").wait_for()
    axe_check(page)
