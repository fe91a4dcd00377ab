"""Form pieces every app uses.

Ids and dates: a form hands the database only what it can hold. A posted id of 20 digits
or a date in year 1 is "not one of the choices" / "enter a date between …", never an
OverflowError. Declared fields use IdChoiceField, IdsChoiceField, DateField and
DateTimeField from here, and every ModelForm sets `formfield_callback = portal_formfield`
in its Meta so the fields Django makes from the model are these too
(tests/core/test_form_fields.py checks every form of the portal).

Single-line text: a title, a name or a tag list is one line wherever it goes — an e-mail
subject ("Header values can't contain newlines"), a CSV cell, a page heading. A browser's
text box cannot hold a line break, but a request can; so every form of the portal mixes in
SingleLineTextMixin, which folds line breaks and other control characters in its
single-line fields to a space before the fields are validated. The person sees the folded
text if the form comes back, and nothing else they typed is changed.
"""

import re
from html import escape

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core import uploads

# Text boxes of one line; a hidden input carries a token, a password is taken as it is.
SINGLE_LINE_INPUT_TYPES = frozenset({"text", "search", "email", "url", "tel"})
# C0 and C1 control characters (CR, LF, tab, NUL, ESC …), DEL, and the Unicode line and
# paragraph separators; a run of them becomes one space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def fold_single_line(text: str) -> str:
    """`text` on one line: every run of line breaks and control characters as one space."""
    return _CONTROL.sub(" ", text)


def is_single_line(field: forms.Field) -> bool:
    """A text field shown as a one-line text box (CharField, EmailField, SlugField …)."""
    widget = field.widget
    return (
        isinstance(field, forms.CharField)
        and isinstance(widget, Input)
        and widget.input_type in SINGLE_LINE_INPUT_TYPES
    )


class SingleLineTextMixin:
    """Put first in a form's bases: `class TitleForm(SingleLineTextMixin, forms.Form)`.

    Folding happens in full_clean(), when the form's fields are final (forms add, remove
    and change fields in __init__), on a copy of the submitted data: the fields, the
    form's clean methods and the page that shows the form again all see the folded text."""

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = _folded(self)
        super().full_clean()


def _folded(form: forms.BaseForm):
    data = form.data
    getlist = getattr(data, "getlist", None)
    copy = None
    for name, field in form.fields.items():
        if field.disabled or not is_single_line(field):
            continue
        key = form.add_prefix(name)
        if key not in data:
            continue
        values = getlist(key) if getlist is not None else [data[key]]
        folded = [fold_single_line(v) if isinstance(v, str) else v for v in values]
        if folded == values:
            continue
        if copy is None:
            copy = data.copy()  # a QueryDict's copy is mutable
        if getlist is not None:
            copy.setlist(key, folded)
        else:
            copy[key] = folded[0]
    return data if copy is None else copy


@deconstructible
class MaxCharactersValidator(MaxLengthValidator):
    """A length limit for long text, with both numbers written as people read them
    ("10,000"), so the person knows how much to cut."""

    message = _("Write at most %(limit)s characters; this text has %(count)s.")
    code = "max_length"

    def __call__(self, value) -> None:
        length = self.clean(value)
        if length > self.limit_value:
            raise ValidationError(
                self.message, code=self.code, params={"limit": f"{self.limit_value:,}", "count": f"{length:,}"}
            )


# The largest id a BigAutoField (and SQLite's INTEGER) holds.
MAX_ID = 2**63 - 1
# Dates people mean in a city office; outside them a date is a typo (and year 1 in Japan
# time is before year 1 in UTC, which Python cannot represent).
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _fits(value) -> bool:
    """False only for a whole number the database cannot hold; anything else (a model
    instance, "abc", "²") is left to Django's own "not one of the choices" check."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return True
    return -MAX_ID - 1 <= number <= MAX_ID


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _fits(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if not _fits(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


def _check_year(value) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class DateField(forms.DateField):
    def to_python(self, value):
        value = super().to_python(value)
        _check_year(value)
        return value


class DateTimeField(forms.DateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        _check_year(value)
        return value


def portal_formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    """A ModelForm's `Meta.formfield_callback`: the fields above for the model's relations and dates."""
    if isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", IdChoiceField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", IdsChoiceField)
    elif isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", DateField)
    return db_field.formfield(**kwargs)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input: cleans to a list of files (empty when none was chosen)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def attachments_help_text() -> str:
    return gettext(
        "Up to %(max)d files: %(types)s; at most %(size)s each. Images are re-saved without their hidden data "
        "(such as the GPS position)."
    ) % {
        "max": uploads.MAX_FILES,
        "types": uploads.accepted_extensions(),
        "size": filesizeformat(settings.PORTAL_UPLOAD_MAX_BYTES),
    }


class KeptFilesMixin:
    """For a form with an `attachments` MultipleFileField: each file is checked and prepared
    (apps.core.uploads); the good files of a form that fails elsewhere are kept and come
    back as a signed token (the `kept_files` field), so they need not be chosen again.
    `good_uploads` and `kept` are what the service attaches."""

    def kept_files_init(self, user) -> None:
        self.user = user
        self.fields["attachments"].help_text = attachments_help_text()
        self.kept: list[uploads.KeptFile] = uploads.kept_from_token(self.data.get("kept_files", ""), user_id=user.pk)
        self.good_uploads: list[uploads.PreparedUpload] = []

    def clean_attachments(self):
        files, errors = self.cleaned_data.get("attachments") or [], []
        self.good_uploads = []
        for upload in files:
            try:
                self.good_uploads.append(uploads.prepare_upload(upload))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if len(files) + len(self.kept) > uploads.MAX_FILES:
            errors.append(gettext("At most %(max)d files can be attached at once.") % {"max": uploads.MAX_FILES})
        if errors:
            raise ValidationError(errors)
        return self.good_uploads

    def checked_quietly(self) -> None:
        """Clean the form so that its good files can be kept, without showing errors (a
        preview or a search for similar items: nothing was sent yet)."""
        self.is_valid()
        self.errors.clear()

    def keep_files(self) -> str:
        """After a failed validation: store the good new files and return the token for
        every kept file (the earlier ones too)."""
        if self.good_uploads:
            room = max(0, uploads.MAX_FILES - len(self.kept))
            self.kept += uploads.keep(self.good_uploads[:room])
            self.good_uploads = []
        return uploads.kept_token(self.kept, user_id=self.user.pk)


class Select(forms.Select):
    """A select whose options are written in Python. Django's own renders each option
    through a template include (two, with its attributes): for the long lists of the triage
    queue and a request page — every COE member, every department, a thousand options at the
    benchmark's size — that cost more than the rest of the page. Every value and label is
    escaped here; nothing is cached (the options are this form's, `selected` its value's).
    Options have no attributes of their own; a (group, options) choice becomes an optgroup."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}

        def options(choices) -> str:
            parts = []
            for option_value, label in choices:
                key = "" if option_value is None else str(option_value)
                if isinstance(label, list | tuple):
                    parts.append(f'<optgroup label="{escape(key)}">{options(label)}</optgroup>')
                else:
                    selected = " selected" if key in chosen else ""
                    parts.append(f'<option value="{escape(key)}"{selected}>{escape(str(label))}</option>')
            return "".join(parts)

        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, mark_safe(options(self.choices)))
