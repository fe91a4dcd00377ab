"""Django admin is the Admin role's tool for the site (directory, configuration, read-only
records), not a way around the product's rules: no idea, vote count, support request,
reply or notification is shown there, and nobody becomes a superuser through it."""

import pytest
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from apps.accounts.roles import Role
from apps.core.models import AuditEntry
from tests.ideas.factories import IdeaFactory
from tests.support.factories import ReplyFactory

pytestmark = pytest.mark.django_db

# What people write, and where Django admin would show it if it were registered.
CONTENT = [
    "ideas/idea",
    "ideas/challenge",
    "ideas/vote",
    "support/supportrequest",
    "support/reply",
    "support/deflection",
    "notifications/notification",
    "notifications/preference",
    "knowledge/article",
    "knowledge/articlefeedback",
    "search/searchdocument",
    "cases/case",
]
SITE = ["accounts/user", "accounts/department", "cases/field", "ideas/answerstatus", "support/cannedreply"]


@pytest.fixture
def administrator(user_factory, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return user_factory(roles=[Role.ADMIN])


@pytest.mark.parametrize("model", CONTENT)
def test_content_people_write_is_not_in_django_admin(client_for, administrator, model):
    app, name = model.split("/")
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{app}_{name}_changelist")
    assert client_for(administrator).get(f"/admin/{app}/{name}/").status_code == 404


def test_a_hidden_vote_count_and_a_draft_are_nowhere_in_django_admin(client_for, administrator):
    draft = IdeaFactory(status="draft", title="他人の下書きアイデア", vote_count=4817)
    note = ReplyFactory(internal=True, body="COEだけの内部メモ")
    client = client_for(administrator)
    index = client.get("/admin/")
    assert index.status_code == 200
    for path in ["/admin/", *[f"/admin/{model}/" for model in SITE]]:
        html = client.get(path).content.decode()
        assert draft.title not in html and "4817" not in html and note.body not in html, path


@pytest.mark.parametrize("model", SITE)
def test_the_admin_role_manages_the_site(client_for, administrator, user_factory, model):
    assert client_for(administrator).get(f"/admin/{model}/").status_code == 200
    for role in (None, Role.COE, Role.MANAGER):
        other = client_for(user_factory(roles=[role] if role else []))
        assert other.get(f"/admin/{model}/").status_code in (302, 403)


def test_the_user_form_sets_roles_through_the_audited_service_and_offers_no_superuser(
    client_for, administrator, user_factory
):
    person = user_factory()
    client = client_for(administrator)
    page = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert 'name="is_staff"' not in page
    coe_group = Group.objects.get(name=Role.COE)
    form = {
        "username": person.username,
        "email": person.email,
        "is_active": "on",
        "groups": [str(coe_group.pk)],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "display_name": person.display_name,
        "department": person.department_id,
        "language": "",
        # The form would not take these; a forged post must not make anyone a superuser.
        "is_superuser": "on",
        "is_staff": "on",
    }
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    person.__dict__.pop("roles", None)
    assert person.roles == {"staff", "coe"}
    assert not person.is_superuser and not person.is_staff
    entry = AuditEntry.objects.filter(action="roles.changed", target_id=str(person.pk)).latest("created_at")
    assert entry.actor_id == administrator.pk and entry.data["after"] == ["coe", "staff"]
