"""The organisation chart import, through its pages as an administrator: the preview lists
exactly the changes the file makes and changes nothing; "apply" makes them, moves the people
of merged departments in the department history and audits each change; a file that cannot
be used gets a clear message on the page (never a server error) and leaves no trace."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from apps.accounts.models import Department, DepartmentLineage, DepartmentMembership, OrgChartImport, User
from apps.accounts.services import memberships_apply
from apps.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = reverse("accounts:org_chart")
PREVIEW = reverse("accounts:org_chart_preview")
APPLY = reverse("accounts:org_chart_apply")


@pytest.fixture
def admin(admin_user):
    admin_user.language = "en"  # the messages are checked in English (their Japanese is in the .po file)
    admin_user.save()
    return admin_user


@pytest.fixture
def city(admin):
    """市民局 with five sections and their people; the administrator works in 情報政策課."""
    bureau = Department.objects.create(code="100", name_ja="市民局", level="bureau")
    codes = {"110": "市民課", "120": "戸籍課", "130": "経理課", "140": "出納課", "150": "防災課", "160": "統計課"}
    sections = {
        code: Department.objects.create(code=code, name_ja=name, parent=bureau, level="section")
        for code, name in codes.items()
    }
    it = Department.objects.create(code="220", name_ja="情報政策課", level="section")
    factory_made = admin.department
    admin.department = it
    admin.save()
    factory_made.delete()
    people = {}
    for code, count in (("110", 3), ("130", 2), ("140", 2), ("160", 1)):
        for n in range(count):
            people[f"{code}-{n}"] = UserFactory(username=f"p{code}{n}", department=sections[code])
    memberships_apply(moves=[(u.pk, u.department_id) for u in people.values()], on=None, source="test")
    return sections, people


CHART = """所属コード,所属名,英語名,上位所属コード,区分,旧所属コード
100,市民局,Citizens' Affairs Bureau,,局,
111,市民窓口課,,100,課,110
120,戸籍住民課,,100,課,
170,会計課,Accounts Section,100,課,130 140
150,防災課,,100,課,
180,危機管理課,,100,課,
220,情報政策課,,,課,
"""


def upload(client, content: bytes, name: str = "chart.csv", effective: date | None = None):
    effective = effective or timezone.localdate()
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, content), "effective_on": effective.isoformat()}, follow=True
    )


def test_the_preview_lists_exactly_the_changes_and_apply_makes_them(client_for, admin, city):
    sections, people = city
    client = client_for(admin)
    effective = timezone.localdate() - timedelta(days=3)
    before = set(Department.objects.values_list("code", "name_ja", "is_active"))

    page = upload(client, CHART.encode("cp932"), effective=effective)  # as Excel saves Japanese CSV

    assert page.status_code == 200 and page.redirect_chain[-1][0].startswith(PREVIEW)
    chart = OrgChartImport.objects.get()
    assert [line["action"] for line in page.context["lines"]] == [
        "update",
        "recode",
        "rename",
        "merge",
        "create",
        "close",
    ]
    texts = [line["text"] for line in page.context["lines"]]
    assert texts == [
        "市民局 (100): English name or reading changes.",
        "市民課 (110) goes on as 市民窓口課 (111).",
        "戸籍課 (120) is renamed 戸籍住民課.",
        "経理課 (130)、出納課 (140) merge into the new 会計課 (170); 4 people move.",
        "New department 危機管理課 (180).",
        "統計課 (160) closes; 1 person still belongs to it.",
    ]
    for text in texts:
        assert text in page.content.decode()
    assert set(Department.objects.values_list("code", "name_ja", "is_active")) == before  # nothing yet

    response = client.post(APPLY, {"chart": chart.pk}, follow=True)

    assert response.status_code == 200
    assert "The organisation chart of" in response.content.decode()
    by_code = {d.code: d for d in Department.objects.all()}
    # The rename under a new code and the plain rename keep their rows.
    assert by_code["111"].pk == sections["110"].pk and by_code["111"].name_ja == "市民窓口課"
    assert by_code["120"].pk == sections["120"].pk and by_code["120"].name_ja == "戸籍住民課"
    assert by_code["100"].name_en == "Citizens' Affairs Bureau"
    assert "110" not in by_code
    # The merge: a new department under the bureau; the old two closed; their people moved.
    merged = by_code["170"]
    assert merged.parent == by_code["100"] and merged.valid_from == effective and merged.name_en == "Accounts Section"
    for code in ("130", "140"):
        assert not by_code[code].is_active and by_code[code].valid_until == effective
        assert DepartmentLineage.objects.filter(predecessor=by_code[code], successor=merged, kind="merged").exists()
    moved = User.objects.filter(department=merged)
    assert {u.username for u in moved} == {"p1300", "p1301", "p1400", "p1401"}
    for person in moved:
        assert DepartmentMembership.objects.get(user=person, valid_until__isnull=True).valid_from == effective
    assert by_code["180"].parent == by_code["100"] and by_code["180"].is_active
    assert not by_code["160"].is_active and people["160-0"].department_id == by_code["160"].pk
    assert by_code["150"].is_active and by_code["220"].is_active
    assert DepartmentLineage.objects.filter(kind="renamed").count() == 2
    audited = set(AuditEntry.objects.filter(action__startswith="orgchart.").values_list("action", flat=True))
    assert audited == {
        "orgchart.previewed",
        "orgchart.update",
        "orgchart.recode",
        "orgchart.rename",
        "orgchart.merge",
        "orgchart.create",
        "orgchart.close",
        "orgchart.applied",
    }

    # A second apply of the same preview is refused; so is the file again: nothing left to change.
    again = client.post(APPLY, {"chart": chart.pk}, follow=True)
    assert "This organisation chart was applied already." in again.content.decode()
    page = upload(client, CHART.encode(), effective=effective)
    assert page.context["lines"] == []
    assert "nothing would change" in page.content.decode()


def test_a_split(client_for, admin, city):
    chart = "code,name,parent_code,predecessors\n100,市民局,,\n191,住民記録課,100,110\n192,証明発行課,100,110\n"
    chart += "120,戸籍課,100,\n130,経理課,100,\n140,出納課,100,\n150,防災課,100,\n160,統計課,100,\n220,情報政策課,,\n"
    client = client_for(admin)
    page = upload(client, chart.encode())
    assert [line["text"] for line in page.context["lines"]] == [
        "市民課 (110) is split; 住民記録課 (191) is its main successor; 3 people move.",
        "Part of 市民課 (110) becomes 証明発行課 (192).",
    ]
    client.post(APPLY, {"chart": OrgChartImport.objects.get().pk})
    old = Department.objects.get(code="110")
    links = {link.successor.code: link.is_primary for link in DepartmentLineage.objects.filter(predecessor=old)}
    assert links == {"191": True, "192": False} and not old.is_active
    assert User.objects.filter(department__code="191").count() == 3


def test_an_excel_file_is_read_like_a_csv(client_for, admin, city):
    workbook = Workbook()
    sheet = workbook.active
    for row in CHART.strip().splitlines():
        sheet.append([int(c) if c.isascii() and c.isdigit() else c for c in row.split(",")])
    data = io.BytesIO()
    workbook.save(data)
    page = upload(client_for(admin), data.getvalue(), name="組織図.xlsx")
    assert [line["action"] for line in page.context["lines"]] == [
        "update",
        "recode",
        "rename",
        "merge",
        "create",
        "close",
    ]


def test_a_preview_made_stale_by_another_change_is_not_applied(client_for, admin, city):
    client = client_for(admin)
    upload(client, CHART.encode())
    sections, _people = city
    sections["150"].name_ja = "防災危機管理課"  # someone changed a department meanwhile
    sections["150"].save()
    response = client.post(APPLY, {"chart": OrgChartImport.objects.get().pk}, follow=True)
    assert "The departments changed since this preview." in response.content.decode()
    assert Department.objects.filter(code="170").count() == 0 and Department.objects.get(code="110").is_active


BAD = [
    ("chart.txt", b"code,name\n1,a\n", "is not a CSV or Excel (.xlsx) file"),
    ("chart.csv", b"code,name\n1,\x00\n", "does not look like a CSV file"),
    ("chart.csv", "所属コード,所属名\n1,あ\n".encode("utf-16"), "does not look like a CSV file"),
    ("chart.xlsx", b"PK\x03\x04 not really a workbook", "could not be read as an Excel workbook"),
    ("chart.xlsx", b"code,name\n1,a\n", "does not look like an Excel file"),
    ("chart.csv", b"", "file is empty"),
    ("chart.csv", b"code,name\n", "has a header row but no departments"),
    ("chart.csv", "部署,名前\n1,あ\n".encode(), "is missing"),
    ("chart.csv", b"code,name\n1,a\n1,b\n", "Row 3: the code 1 is also on row 2."),
    ("chart.csv", b"code,name\n1,\n", "Row 2: the code and the name are required."),
    ("chart.csv", b"code,name,parent_code\n1,a,9\n", "Row 2: the parent code 9 is not in the file."),
    ("chart.csv", b"code,name,parent_code\n1,a,2\n2,b,1\n", "the parent codes go round in a circle"),
    ("chart.csv", b"code,name,predecessors\n1,a,999\n", "Row 2: the earlier department 999 is not known"),
    ("chart.csv", "code,name,level\n1,a,係\n".encode(), "is not a level"),
    ("chart.csv", ("code,name\n" + "x" * 30 + ",a\n").encode(), "too long"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[2][:30] for b in BAD])
def test_a_file_that_cannot_be_used_gets_a_clear_message(client_for, admin, city, name, content, message):
    page = upload(client_for(admin), content, name=name)
    assert page.status_code == 200 and not page.redirect_chain
    assert message in page.content.decode()
    assert not OrgChartImport.objects.exists()


def test_a_future_or_ancient_effective_date_is_refused(client_for, admin, city):
    client = client_for(admin)
    page = upload(client, CHART.encode(), effective=timezone.localdate() + timedelta(days=1))
    assert "The effective date is in the future" in page.content.decode()
    page = upload(client, CHART.encode(), effective=date(1989, 12, 31))
    assert "Enter a date from 1990 on." in page.content.decode()
    page = upload(client, CHART.encode(), effective=date(1, 1, 1))
    assert "Enter a date between 1900 and 2999." in page.content.decode()
    assert not OrgChartImport.objects.exists()


@pytest.mark.parametrize("role", ["staff_user", "coe_user", "manager_user"])
def test_only_administrators_import_charts(client_for, request, role, city):
    client = client_for(request.getfixturevalue(role))
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": SimpleUploadedFile("c.csv", CHART.encode())}).status_code == 403
    assert client.get(PREVIEW + "?chart=1").status_code == 403
    assert client.post(APPLY, {"chart": 1}).status_code == 403
    assert not OrgChartImport.objects.exists()


def test_a_preview_that_does_not_exist_sends_back_to_the_upload(client_for, admin):
    client = client_for(admin)
    for url in (PREVIEW + "?chart=99999", PREVIEW + "?chart=²", PREVIEW):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == UPLOAD
    response = client.post(APPLY, {"chart": "abc"})
    assert response.status_code == 302 and response["Location"] == UPLOAD
