import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import department_list
from apps.cases.models import Case, Field, HoursMethod, Tool, validate_link_url
from apps.cases.selectors import SORTS, CaseFilters
from apps.core.forms import SingleLineTextMixin, portal_formfield
from apps.core.uploads import ATTACHMENT_KINDS, validate_upload

# At most this many values per facet are read from a URL: enough for any real selection.
MAX_VALUES_PER_FACET = 50


class _ValuesField(forms.Field):
    """Several values of one GET parameter (?tool=rpa&tool=chatbot). Values that are not
    well-formed are dropped rather than reported: a filter link never ends in an error page,
    and a bookmark naming a tool that was since removed still opens (see
    selectors.case_filters_known)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, pattern: str, **kwargs):
        self.pattern = re.compile(pattern)
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> tuple[str, ...]:
        if not value:
            return ()
        if isinstance(value, str):
            value = [value]
        seen: list[str] = []
        for item in value:
            item = str(item).strip()
            if self.pattern.fullmatch(item) and item not in seen:
                seen.append(item)
        return tuple(seen[:MAX_VALUES_PER_FACET])


class CaseFilterForm(SingleLineTextMixin, forms.Form):
    """Parses the list page's GET parameters; always valid (see _ValuesField)."""

    department = _ValuesField(pattern=r"[\w-]{1,20}")
    field = _ValuesField(pattern=r"[-a-zA-Z0-9_]{1,40}")
    tool = _ValuesField(pattern=r"[-a-zA-Z0-9_]{1,40}")
    stage = _ValuesField(pattern=r"[a-z]{1,10}")
    fy = _ValuesField(pattern=r"(19|20|21)\d\d")
    sort = forms.CharField(required=False)

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or SORTS[0]
        return sort if sort in SORTS else SORTS[0]

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CaseFilters(
            departments=data.get("department", ()),
            fields=data.get("field", ()),
            tools=data.get("tool", ()),
            stages=data.get("stage", ()),
            fiscal_years=tuple(int(year) for year in data.get("fy", ())),
            sort=data.get("sort") or SORTS[0],
        )


class CaseForm(SingleLineTextMixin, forms.ModelForm):
    contacts_text = forms.CharField(
        label=_("Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the person's user name or e-mail address."),
    )
    links_text = forms.CharField(
        label=_("Links to articles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: a title, a vertical bar and the address, e.g. “Press release | https://…”. "
            "Portal pages may start with /knowledge/…"
        ),
    )

    class Meta:
        model = Case
        formfield_callback = portal_formfield
        fields = [
            "title",
            "summary",
            "department",
            "field",
            "stage",
            "started_on",
            "tools",
            "problem",
            "baseline",
            "approach",
            "hours_saved_per_year",
            "hours_method",
            "hours_method_note",
            "measured_from",
            "measured_until",
            "initial_cost_yen",
            "annual_cost_yen",
            "residents_affected",
            "outcome_before",
            "outcome_after",
            "outcomes",
            "lessons",
            "success_conditions",
            "reused_by",
            "review_by",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "measured_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "measured_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tools": forms.CheckboxSelectMultiple,
            "reused_by": forms.CheckboxSelectMultiple,
            "problem": forms.Textarea(attrs={"rows": 6}),
            "baseline": forms.Textarea(attrs={"rows": 3}),
            "approach": forms.Textarea(attrs={"rows": 10}),
            "hours_method_note": forms.Textarea(attrs={"rows": 3}),
            "outcome_before": forms.Textarea(attrs={"rows": 3}),
            "outcome_after": forms.Textarea(attrs={"rows": 3}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
            "lessons": forms.Textarea(attrs={"rows": 5}),
            "success_conditions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.instance
        departments = department_list().order_by("sort_order", "code")
        self.fields["department"].queryset = departments
        self.fields["reused_by"].queryset = departments
        # Inactive fields and tools cannot be chosen any more, but a case keeps the ones it has.
        current_field = [case.field_id] if case.pk and case.field_id else []
        self.fields["field"].queryset = Field.objects.filter(Q(is_active=True) | Q(pk__in=current_field))
        self.fields["field"].required = True
        current_tools = list(case.tools.values_list("pk", flat=True)) if case.pk else []
        self.fields["tools"].queryset = Tool.objects.filter(Q(is_active=True) | Q(pk__in=current_tools))
        self.fields["hours_method"].choices = [("", _("No figure yet")), *HoursMethod.choices]
        for name in ("hours_saved_per_year", "initial_cost_yen", "annual_cost_yen", "residents_affected"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "min": "0"})
        self.fields["hours_saved_per_year"].widget.attrs["step"] = "0.1"
        if case.pk and not self.is_bound:
            self.initial["contacts_text"] = "\n".join(user.username for user in case.contacts.all())
            self.initial["links_text"] = "\n".join(f"{link.title} | {link.url}" for link in case.links.all())

    def clean_contacts_text(self) -> list[User]:
        names = [line.strip() for line in self.cleaned_data["contacts_text"].splitlines() if line.strip()]
        if not names:
            return []
        users = list(User.objects.filter(Q(username__in=names) | Q(email__in=names), is_active=True))
        found, unknown, ambiguous = [], [], []
        for name in dict.fromkeys(names):
            matches = [u for u in users if name in (u.username, u.email)]
            if not matches:
                unknown.append(name)
            elif len(matches) > 1:
                ambiguous.append(name)
            else:
                found.append(matches[0])
        errors = []
        if unknown:
            errors.append(
                ValidationError(
                    _("No active user has the name or e-mail address: %(names)s."),
                    params={"names": ", ".join(unknown)},
                    code="unknown_contact",
                )
            )
        if ambiguous:
            errors.append(
                ValidationError(
                    _("More than one user has the e-mail address %(names)s; use the user name instead."),
                    params={"names": ", ".join(ambiguous)},
                    code="ambiguous_contact",
                )
            )
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(found))

    def clean_links_text(self) -> list[tuple[str, str]]:
        links, errors = [], []
        for number, line in enumerate(self.cleaned_data["links_text"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            title, _bar, url = line.rpartition("|")
            title, url = title.strip(), url.strip()
            try:
                validate_link_url(url)
            except ValidationError as error:
                errors.append(
                    ValidationError(
                        _("Line %(number)s: %(error)s"), params={"number": number, "error": " ".join(error.messages)}
                    )
                )
                continue
            links.append(((title or url)[:200], url))
        if errors:
            raise ValidationError(errors)
        return links

    def service_fields(self) -> dict:
        """cleaned_data in the names the case services take."""
        data = dict(self.cleaned_data)
        data["contacts"] = data.pop("contacts_text")
        data["links"] = data.pop("links_text")
        return data


class ReferenceItemForm(SingleLineTextMixin, forms.Form):
    """Adds or edits a field or a tool; the code is only asked for when adding."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case English letters, digits and hyphens, e.g. “open-data”. It cannot be changed later."),
    )
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=2**31 - 1, initial=100)
    is_active = forms.BooleanField(label=_("Can be chosen for new cases"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["is_active"]


class AttachmentForm(SingleLineTextMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, PowerPoint, CSV, text or a picture (PNG, JPEG, GIF, WebP)."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, kinds=ATTACHMENT_KINDS, max_bytes=settings.PORTAL_UPLOAD_MAX_BYTES)
        return upload
