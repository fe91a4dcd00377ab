"""Benchmark data: the city's departments and its staff, tens of thousands of them.

Loaded by `manage.py seed_bench` (which empties the database first). Names and the
department tree come from the demo data; ward offices are added to reach the requested
number of departments. Roles are spread like a real city: a few administrators, about
1% COE members and 2% managers; the rest are staff.
"""

import random
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from apps.accounts.models import Department, DepartmentMembership, User
from apps.accounts.roles import Role
from apps.devdata.demo.accounts import DEPARTMENTS, GIVEN, SURNAMES, TITLES_STAFF

B, S = Department.Level.BUREAU, Department.Level.SECTION

# (日本語名, kana, English) — a city of this size is split into wards, each with its own office.
WARDS = [
    ("中央区", "ちゅうおうく", "Chuo"),
    ("北区", "きたく", "Kita"),
    ("南区", "みなみく", "Minami"),
    ("東区", "ひがしく", "Higashi"),
    ("西区", "にしく", "Nishi"),
    ("港区", "みなとく", "Minato"),
    ("緑区", "みどりく", "Midori"),
    ("青葉区", "あおばく", "Aoba"),
    ("泉区", "いずみく", "Izumi"),
    ("若葉区", "わかばく", "Wakaba"),
    ("花見川区", "はなみがわく", "Hanamigawa"),
    ("美浜区", "みはまく", "Mihama"),
    ("稲毛区", "いなげく", "Inage"),
    ("都筑区", "つづきく", "Tsuzuki"),
    ("戸塚区", "とつかく", "Totsuka"),
    ("栄区", "さかえく", "Sakae"),
    ("金沢区", "かなざわく", "Kanazawa"),
    ("磯子区", "いそごく", "Isogo"),
]
WARD_SECTIONS = [
    ("区政推進課", "くせいすいしんか", "Ward Administration Section"),
    ("戸籍課", "こせきか", "Family Register Section"),
    ("保険年金課", "ほけんねんきんか", "Insurance and Pension Section"),
    ("福祉保健課", "ふくしほけんか", "Welfare and Health Section"),
    ("こども家庭支援課", "こどもかていしえんか", "Child and Family Support Section"),
    ("税務課", "ぜいむか", "Taxation Section"),
    ("生活衛生課", "せいかつえいせいか", "Public Hygiene Section"),
    ("土木事務所", "どぼくじむしょ", "Public Works Office"),
]
TITLES_MANAGER = ["局長", "部長", "課長", "担当課長", "所長"]

SIZES = {
    "departments": len(DEPARTMENTS) + len(WARDS) * (1 + len(WARD_SECTIONS)),
    "users": 50_000,
}
BATCH = 5_000


def counts() -> dict[str, int]:
    return {"departments": Department.objects.count(), "users": User.objects.count()}


def _department_rows(count: int) -> list[tuple]:
    """(code, ja, en, kana, level, parent code) rows, parents before their children."""
    rows = list(DEPARTMENTS[:count])
    ward = 0
    while len(rows) < count:
        if ward < len(WARDS):
            ja, kana, en = WARDS[ward]
        else:  # beyond the named wards: numbered branch offices
            ja, kana, en = f"第{ward + 1}支所", "ししょ", f"Branch Office {ward + 1}"
        code = f"W{ward + 1:03d}"
        rows.append((code, f"{ja}役所", f"{en} Ward Office", f"{kana}やくしょ", B, None))
        for number, (section, section_kana, section_en) in enumerate(WARD_SECTIONS, start=1):
            rows.append((f"{code}-{number:02d}", section, section_en, section_kana, S, code))
        ward += 1
    return rows[:count]


def _seed_departments(count: int) -> list[Department]:
    by_code: dict[str, Department] = {}
    # Two passes keep it to two INSERTs: bureaus (no parent) first, then everything below them.
    rows = _department_rows(count)
    for top_level in (True, False):
        batch = [
            Department(
                code=code,
                name_ja=ja,
                name_en=en,
                kana=kana,
                level=level,
                parent=by_code.get(parent) if parent else None,
                sort_order=order,
            )
            for order, (code, ja, en, kana, level, parent) in enumerate(rows)
            if (parent is None) == top_level
        ]
        for dept in Department.objects.bulk_create(batch, batch_size=BATCH):
            by_code[dept.code] = dept
    return list(by_code.values())


def _people(count: int, departments: list[Department], rng: random.Random):
    """Yield (User, roles) for `count` people; administrators, COE and managers come first."""
    by_code = {d.code: d for d in departments}
    sections = [d for d in departments if d.level == S] or departments
    bureaus = [d for d in departments if d.level == B] or departments

    def pick(options: list):
        return rng.choice(options) if options else None

    admins = min(3, count)
    coe = max(1, count // 100) if count > admins else 0
    managers = count * 2 // 100
    password = make_password(None)  # one unusable hash for everybody: sign-in is SSO, and hashing is slow
    for i in range(count):
        sur, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        username = f"{sur[2]}.{given[2]}.{i + 1:05d}"
        if i < admins:
            roles, dept, title = [Role.ADMIN], by_code.get("220"), "システム管理者"
        elif i < admins + coe:
            roles, dept = [Role.COE], by_code.get("130")
            title = "DX推進課長" if i == admins else "DX推進担当"
        elif i < admins + coe + managers:
            roles, dept, title = [Role.MANAGER], pick(bureaus + sections), rng.choice(TITLES_MANAGER)
        else:
            roles, dept, title = [], pick(sections), rng.choice(TITLES_STAFF)
        user = User(
            username=username,
            password=password,
            display_name=f"{sur[0]} {given[0]}",
            display_name_kana=f"{sur[1]} {given[1]}",
            email=f"{username}@city.example.jp",
            department=dept or pick(departments),
            job_title=title,
            employee_number=f"B{i + 1:07d}",
            language="en" if rng.random() < 0.02 else "",
            is_staff=Role.ADMIN in roles,
            # A few leavers: inactive accounts stay in the directory's table.
            is_active=bool(roles) or rng.random() > 0.01,
        )
        yield user, roles


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260401)
    departments = _seed_departments(sizes["departments"])
    groups = {g.name: g.pk for g in Group.objects.filter(name__in=Role.values)}
    for role in Role:
        if role.value not in groups:
            groups[role.value] = Group.objects.create(name=role.value).pk
    Membership = User.groups.through
    people = _people(sizes["users"], departments, rng)
    created = 0
    while batch := list(islice(people, BATCH)):
        users = User.objects.bulk_create([user for user, _ in batch], batch_size=BATCH)
        # Like user_roles_set: every portal user is in the staff group, plus their other roles.
        Membership.objects.bulk_create(
            [
                Membership(user_id=user.pk, group_id=groups[role])
                for user, (_, roles) in zip(users, batch, strict=True)
                for role in {Role.STAFF.value, *(Role(r).value for r in roles)}
            ],
            batch_size=BATCH,
        )
        # The department history starts "since before the records", like the migration's.
        DepartmentMembership.objects.bulk_create(
            [
                DepartmentMembership(user_id=user.pk, department_id=user.department_id, source="bench")
                for user in users
                if user.is_active and user.department_id
            ],
            batch_size=BATCH,
        )
        created += len(users)
    stdout.write(f"accounts: {len(departments):,} departments, {created:,} users")
