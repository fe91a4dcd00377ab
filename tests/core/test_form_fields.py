"""Every form of the portal hands the database only what it can hold: its relation and
date fields are apps.core.forms' (a 20-digit id is "not one of the choices", year 1 is
"enter a date between …"), generated from the forms themselves."""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

from apps.core.forms import DateField, DateTimeField, IdChoiceField, IdsChoiceField
from apps.knowledge.models import Category, Tag

PLAIN = {
    forms.ModelChoiceField: IdChoiceField,
    forms.ModelMultipleChoiceField: IdsChoiceField,
    forms.DateField: DateField,
    forms.DateTimeField: DateTimeField,
}


def _portal_forms():
    for path in sorted(Path(settings.BASE_DIR, "apps").glob("*/forms.py")):
        module = importlib.import_module(f"apps.{path.parent.name}.forms")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                yield f"{module.__name__}.{name}", cls


FORMS = list(_portal_forms())


def test_the_forms_are_found():
    assert len(FORMS) > 20


@pytest.mark.parametrize(("name", "form_class"), FORMS, ids=[n for n, _ in FORMS])
def test_no_plain_relation_or_date_field(name, form_class):
    plain = [
        f"{field_name}: {type(f).__name__}" for field_name, f in form_class.base_fields.items() if type(f) in PLAIN
    ]
    assert plain == []


@pytest.mark.django_db
def test_an_id_too_large_for_the_database_is_not_a_choice():
    Category.objects.create(name="分類")
    one = IdChoiceField(queryset=Category.objects.all())
    many = IdsChoiceField(queryset=Tag.objects.all())
    for value in ("99999999999999999999", "-99999999999999999999"):
        with pytest.raises(forms.ValidationError) as single:
            one.clean(value)
        assert single.value.code == "invalid_choice"
        with pytest.raises(forms.ValidationError) as multiple:
            many.clean([value])
        assert multiple.value.code == "invalid_pk_value"


@pytest.mark.parametrize("field", [DateField(), DateTimeField()])
@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00", "3000-01-01"])
def test_a_date_outside_the_years_people_mean_is_refused_with_a_message(field, value):
    with pytest.raises(forms.ValidationError) as error:
        field.clean(value)
    assert error.value.code in ("out_of_range", "invalid")


def test_a_usual_date_passes():
    assert DateField().clean("2026-04-01").isoformat() == "2026-04-01"
    assert DateTimeField().clean("2026-04-01T09:00").year == 2026


def test_the_portals_select_escapes_marks_the_choice_and_keeps_its_label_link():
    from django import forms as django_forms

    from apps.core.forms import Select

    class PickForm(django_forms.Form):
        person = django_forms.ChoiceField(
            label="担当者",
            choices=[("", "未選択"), ("7", '<b>"佐藤" & 鈴木</b>'), ("課", [("8", "田中")])],
            widget=Select,
        )

    html = str(PickForm({"person": "8"})["person"])
    assert html.startswith('<select name="person" id="id_person" required>')
    assert '<option value="7">&lt;b&gt;&quot;佐藤&quot; &amp; 鈴木&lt;/b&gt;</option>' in html
    assert '<optgroup label="課"><option value="8" selected>田中</option></optgroup>' in html
    assert html.count(" selected") == 1
    assert '<option value="" selected>' in str(PickForm()["person"])  # nothing chosen yet: the empty option
