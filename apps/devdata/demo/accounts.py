"""Demo departments and staff of a mid-size Japanese city (fictional people)."""

import random

from apps.accounts.models import Department, DepartmentMembership, User
from apps.accounts.roles import Role
from apps.accounts.services import memberships_apply, user_roles_set

B, S = Department.Level.BUREAU, Department.Level.SECTION

# (code, 日本語名, English name, kana, level, parent code)
DEPARTMENTS = [
    ("100", "市長公室", "Mayor's Office", "しちょうこうしつ", B, None),
    ("110", "秘書課", "Secretarial Section", "ひしょか", S, "100"),
    ("120", "広報広聴課", "Public Relations Section", "こうほうこうちょうか", S, "100"),
    ("130", "DX推進課", "Digital Transformation Section (DX COE)", "でぃーえっくすすいしんか", S, "100"),
    ("200", "総務局", "General Affairs Bureau", "そうむきょく", B, None),
    ("210", "人事課", "Personnel Section", "じんじか", S, "200"),
    ("220", "情報政策課", "Information Policy Section", "じょうほうせいさくか", S, "200"),
    ("230", "財政課", "Finance Section", "ざいせいか", S, "200"),
    ("240", "契約課", "Contracts Section", "けいやくか", S, "200"),
    ("300", "市民局", "Citizens' Affairs Bureau", "しみんきょく", B, None),
    ("310", "市民課", "Residents' Services Section", "しみんか", S, "300"),
    ("320", "地域振興課", "Community Development Section", "ちいきしんこうか", S, "300"),
    ("330", "税務課", "Taxation Section", "ぜいむか", S, "300"),
    ("400", "福祉局", "Health and Welfare Bureau", "ふくしきょく", B, None),
    ("410", "福祉総務課", "Welfare Administration Section", "ふくしそうむか", S, "400"),
    ("420", "介護保険課", "Long-term Care Insurance Section", "かいごほけんか", S, "400"),
    ("430", "障害福祉課", "Disability Welfare Section", "しょうがいふくしか", S, "400"),
    ("440", "子育て支援課", "Child-rearing Support Section", "こそだてしえんか", S, "400"),
    ("500", "環境局", "Environment Bureau", "かんきょうきょく", B, None),
    ("510", "環境政策課", "Environmental Policy Section", "かんきょうせいさくか", S, "500"),
    ("520", "ごみ減量推進課", "Waste Reduction Section", "ごみげんりょうすいしんか", S, "500"),
    ("530", "清掃事業課", "Waste Collection Section", "せいそうじぎょうか", S, "500"),
    ("600", "都市整備局", "Urban Development Bureau", "としせいびきょく", B, None),
    ("610", "都市計画課", "Urban Planning Section", "としけいかくか", S, "600"),
    ("620", "道路管理課", "Road Management Section", "どうろかんりか", S, "600"),
    ("630", "公園緑地課", "Parks and Green Spaces Section", "こうえんりょくちか", S, "600"),
    ("640", "交通政策課", "Transport Policy Section", "こうつうせいさくか", S, "600"),
    ("700", "危機管理局", "Crisis Management Bureau", "ききかんりきょく", B, None),
    ("710", "防災課", "Disaster Prevention Section", "ぼうさいか", S, "700"),
    ("800", "教育委員会", "Board of Education", "きょういくいいんかい", B, None),
    ("810", "教育総務課", "Education Administration Section", "きょういくそうむか", S, "800"),
    ("820", "学校指導課", "School Guidance Section", "がっこうしどうか", S, "800"),
    ("830", "生涯学習課", "Lifelong Learning Section", "しょうがいがくしゅうか", S, "800"),
]

SURNAMES = [
    ("佐藤", "さとう", "sato"),
    ("鈴木", "すずき", "suzuki"),
    ("高橋", "たかはし", "takahashi"),
    ("田中", "たなか", "tanaka"),
    ("伊藤", "いとう", "ito"),
    ("渡辺", "わたなべ", "watanabe"),
    ("山本", "やまもと", "yamamoto"),
    ("中村", "なかむら", "nakamura"),
    ("小林", "こばやし", "kobayashi"),
    ("加藤", "かとう", "kato"),
    ("吉田", "よしだ", "yoshida"),
    ("山田", "やまだ", "yamada"),
    ("松本", "まつもと", "matsumoto"),
    ("井上", "いのうえ", "inoue"),
    ("木村", "きむら", "kimura"),
    ("林", "はやし", "hayashi"),
    ("清水", "しみず", "shimizu"),
    ("山口", "やまぐち", "yamaguchi"),
    ("森", "もり", "mori"),
    ("池田", "いけだ", "ikeda"),
]
GIVEN = [
    ("陽菜", "ひな", "hina"),
    ("翔太", "しょうた", "shota"),
    ("美咲", "みさき", "misaki"),
    ("大輔", "だいすけ", "daisuke"),
    ("由美", "ゆみ", "yumi"),
    ("健一", "けんいち", "kenichi"),
    ("彩", "あや", "aya"),
    ("拓也", "たくや", "takuya"),
    ("恵子", "けいこ", "keiko"),
    ("誠", "まこと", "makoto"),
    ("真理子", "まりこ", "mariko"),
    ("直樹", "なおき", "naoki"),
    ("さくら", "さくら", "sakura"),
    ("亮", "りょう", "ryo"),
    ("千尋", "ちひろ", "chihiro"),
]
TITLES_STAFF = ["主事", "主任", "主査", "技師", "係長"]

USER_COUNT = 60


def _plan() -> list[dict]:
    """A fixed list of demo people: the same every run (seeded), so seeding is idempotent."""
    rng = random.Random(20260401)
    sections = [d for d in DEPARTMENTS if d[4] == S]
    bureaus = [d for d in DEPARTMENTS if d[4] == B]
    people, used = [], set()
    while len(people) < USER_COUNT:
        sur, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        username = f"{sur[2]}.{given[2]}"
        if username in used:
            continue
        used.add(username)
        people.append({"username": username, "name": f"{sur[0]} {given[0]}", "kana": f"{sur[1]} {given[1]}"})
    # Roles: 2 administrators (情報政策課), 8 COE members (DX推進課), 8 managers (bureau heads), staff.
    for i, person in enumerate(people):
        if i < 2:
            person.update(roles=[Role.ADMIN], dept="220", title="システム管理者")
        elif i < 10:
            person.update(roles=[Role.COE], dept="130", title="DX推進担当" if i > 2 else "DX推進課長")
        elif i < 10 + len(bureaus):
            person.update(roles=[Role.MANAGER], dept=bureaus[i - 10][0], title="局長")
        else:
            person.update(roles=[], dept=sections[i % len(sections)][0], title=rng.choice(TITLES_STAFF))
    return people


def seed(stdout) -> None:
    by_code: dict[str, Department] = {}
    for order, (code, ja, en, kana, level, parent) in enumerate(DEPARTMENTS):
        dept, _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name_ja": ja,
                "name_en": en,
                "kana": kana,
                "level": level,
                "parent": by_code.get(parent),
                "sort_order": order,
            },
        )
        by_code[code] = dept
    created = 0
    for i, person in enumerate(_plan()):
        user, was_created = User.objects.get_or_create(
            username=person["username"],
            defaults={
                "display_name": person["name"],
                "display_name_kana": person["kana"],
                "email": f"{person['username']}@city.example.jp",
                "department": by_code[person["dept"]],
                "job_title": person["title"],
                "employee_number": f"D{10001 + i}",
                "is_demo": True,
            },
        )
        if was_created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            created += 1
        elif not user.is_demo and user.employee_number == f"D{10001 + i}":
            # Seeded before accounts were flagged (migration 0004): the same person, flag it.
            user.is_demo = True
            user.save(update_fields=["is_demo"])
        user_roles_set(user=user, roles=person["roles"], source="demo")
    _history_and_contacts(by_code)
    stdout.write(f"accounts: {len(DEPARTMENTS)} departments, {created} new users ({USER_COUNT} in the demo)")


def _history_and_contacts(by_code: dict[str, Department]) -> None:
    """The department history starts with the demo city as it is ("since before the
    records"), and each bureau gets one of the COE members as its contact, who takes over
    what a leaver of the bureau owned."""
    have = set(DepartmentMembership.objects.filter(valid_until__isnull=True).values_list("user_id", flat=True))
    memberships_apply(
        moves=[
            (pk, department_id)
            for pk, department_id in User.objects.filter(is_demo=True, is_active=True, department__isnull=False)
            .order_by("pk")
            .values_list("pk", "department_id")
            if pk not in have
        ],
        on=None,
        source="demo",
    )
    coe = list(User.objects.filter(is_demo=True, groups__name=Role.COE).order_by("username"))
    bureaus = [by_code[code] for code, *_rest, level, _parent in DEPARTMENTS if level == B]
    for index, bureau in enumerate(bureaus):
        if coe and bureau.coe_contact_id is None:
            bureau.coe_contact = coe[index % len(coe)]
            bureau.save(update_fields=["coe_contact"])
