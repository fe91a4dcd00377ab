"""Issue #14: a line break in a one-line field (a title, a name, a tag list) is never
stored; it is folded to a space, like tabs and other control characters. Generated from
the forms: every form class in apps/*/forms.py, every field it shows as a one-line text box."""

import copy
import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from apps.accounts.roles import Role
from apps.core.forms import SingleLineTextMixin
from apps.support.models import SupportRequest
from tests.factories import UserFactory

ONE_LINE_TYPES = ('type="text"', 'type="search"', 'type="email"', 'type="url"', 'type="tel"')
# Fields shown as a text box that are not one line of text for a person to type.
NOT_ONE_LINE: set[tuple[str, str, str]] = set()


def _form_classes():
    for path in sorted(Path(settings.BASE_DIR, "apps").glob("*/forms.py")):
        module = importlib.import_module(f"apps.{path.parent.name}.forms")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                yield module.__name__, name, cls


def _one_line_fields():
    """(module, form, field) for every field whose widget is an <input> of one line of text."""
    found = []
    for module, name, cls in _form_classes():
        for field_name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField) or (module, name, field_name) in NOT_ONE_LINE:
                continue
            html = field.widget.render(field_name, "")
            if html.startswith("<input") and any(kind in html for kind in ONE_LINE_TYPES):
                found.append((module, name, field_name))
    return found


ONE_LINE_FIELDS = _one_line_fields()


def test_the_forms_have_one_line_fields_to_check():
    forms_found = {(module, name) for module, name, _field in ONE_LINE_FIELDS}
    assert ("apps.support.forms", "RequestForm") in forms_found and ("apps.ideas.forms", "IdeaForm") in forms_found
    assert len(ONE_LINE_FIELDS) >= 15


@pytest.mark.parametrize(("module", "form", "field_name"), ONE_LINE_FIELDS, ids=lambda v: str(v))
def test_every_one_line_field_folds_line_breaks(module, form, field_name):
    cls = getattr(importlib.import_module(module), form)
    assert issubclass(cls, SingleLineTextMixin), f"{module}.{form} does not fold its one-line fields"
    # The field as the form declares it (widget, length, stripping), in a form of its own:
    # whatever the field then accepts has no line break or control character left.
    probe_class = type(
        "Probe", (SingleLineTextMixin, forms.Form), {field_name: copy.deepcopy(cls.base_fields[field_name])}
    )
    for typed, expected in [("a\r\nb", "a b"), ("件名\n\n続き", "件名 続き"), ("a\tb\x0bc\x00d", "a b c d")]:
        probe = probe_class({field_name: typed})
        probe.is_valid()
        assert probe[field_name].value() == expected  # what the form shows again
        if field_name in probe.cleaned_data:
            assert probe.cleaned_data[field_name] == expected  # what would be stored


def test_lists_of_values_and_prefixed_forms_are_folded_too():
    class Titles(SingleLineTextMixin, forms.Form):
        title = forms.CharField()
        body = forms.CharField(widget=forms.Textarea)

    form = Titles(QueryDict("x-title=a%0D%0Ab&x-body=line%0D%0Aline"), prefix="x")
    assert form.is_valid()
    assert form.cleaned_data == {"title": "a b", "body": "line\r\nline"}  # a textarea keeps its lines


@pytest.mark.django_db
def test_a_support_request_titled_with_a_line_break_is_stored_on_one_line(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    UserFactory(roles=[Role.COE])  # someone to notify
    requester = UserFactory()
    client.force_login(requester)
    response = client.post(
        reverse("support:ask"),
        {
            "kind": "other",
            "title": "件名\r\n続き",
            "description": "一行目\r\n二行目",
            "department": requester.department_id,
        },
    )
    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert request.title == "件名 続き"
    assert request.description == "一行目\r\n二行目"  # a description keeps its lines
    page = client.get(reverse("support:detail", args=[request.pk])).content.decode()
    assert "件名 続き" in page
