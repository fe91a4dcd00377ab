from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import department_list
from apps.core.forms import MAX_ID, KeptFilesMixin, MultipleFileField, Select, SingleLineTextMixin, portal_formfield
from apps.core.params import IdField
from apps.support import selectors
from apps.support.models import Kind, Priority, RequestLink, Skill, Status, SupportRequest


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RequestForm(SingleLineTextMixin, KeptFilesMixin, forms.ModelForm):
    """Asking the COE. While the requester types the title or the description, matching
    articles and cases appear (htmx); the “Check for answers” button does the same
    without JavaScript. A form that fails comes back with everything typed and the files."""

    attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = SupportRequest
        formfield_callback = portal_formfield
        fields = ["kind", "title", "description", "department", "desired_date", "people_involved"]
        widgets = {
            "kind": forms.RadioSelect,
            "department": Select,
            "description": forms.Textarea(attrs={"rows": 8}),
            "desired_date": DateInput(),
        }
        help_texts = {
            "title": _("One line, e.g. “Design a Power Apps form for facility bookings”."),
            "desired_date": _("When you would like the support to happen or be finished (optional)."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_files_init(user)
        self.fields["kind"].choices = Kind.choices
        self.fields["department"].queryset = department_list()
        self.fields["department"].help_text = _("The department that needs the support; yours by default.")
        if not self.is_bound and user.department_id:
            self.initial.setdefault("department", user.department_id)
        similar = reverse("support:similar")
        for name in ("title", "description"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": similar,
                    "hx-trigger": "input changed delay:600ms",
                    "hx-target": "#support-similar",
                    "hx-include": "[name=title],[name=description],[name=kind]",
                    "hx-swap": "innerHTML",
                }
            )

    def clean_desired_date(self):
        value = self.cleaned_data.get("desired_date")
        if value and value < timezone.localdate():
            raise ValidationError(_("The desired date cannot be in the past."))
        return value


class ReplyForm(KeptFilesMixin, forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    internal = forms.BooleanField(
        label=_("Internal note: only the COE sees it (not the requester, not in notifications or exports)"),
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, user: User, can_internal: bool, **kwargs):
        kwargs.setdefault("auto_id", "reply-%s")  # several forms share a page: ids must differ
        super().__init__(*args, **kwargs)
        self.kept_files_init(user)
        if not can_internal:
            del self.fields["internal"]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)

    def __init__(self, *args, transitions, **kwargs):
        kwargs.setdefault("auto_id", "status-%s")
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(to, t.label) for to, t in transitions]
        needing = [str(t.label) for _to, t in transitions if t.requires_comment]
        if needing:
            self.fields["comment"].help_text = _("Required for: %(actions)s. The requester sees it.") % {
                "actions": ", ".join(needing)
            }
        else:
            self.fields["comment"].help_text = _("Optional. The requester sees it.")


class TriageForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int, empty_value=None, widget=Select)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)

    def __init__(self, *args, members: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("auto_id", "triage-%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody yet")), *members]

    def assignee_user(self) -> User | None:
        pk = self.cleaned_data.get("assignee")
        return User.objects.filter(pk=pk).first() if pk else None


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How helpful was the support?"),
        choices=[(5, _("5 – excellent")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 – not helpful"))],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "rating-%s")
        super().__init__(*args, **kwargs)


ASSIGNEE_VIEWS = [("", _("Anyone")), ("me", _("Me")), ("none", _("Unassigned"))]
TARGETS = [("", _("Any")), ("breached", _("Past target")), ("near", _("Past or near target"))]
AGES = [
    ("", _("Any age")),
    ("7", _("Older than a week")),
    ("14", _("Older than two weeks")),
    ("30", _("Older than a month")),
    ("90", _("Older than three months")),
]
SORTS = [
    ("due", _("Due soonest")),
    ("priority", _("Priority")),
    ("oldest", _("Oldest first")),
    ("newest", _("Newest first")),
    ("updated", _("Recently changed")),
]


class QueueFilterForm(SingleLineTextMixin, forms.Form):
    """The queue's filters, in the URL (GET), so every view can be bookmarked."""

    q = forms.CharField(label=_("Title contains"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("all", _("All")), *Status.choices],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Kind.choices])
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Any")), *Priority.choices],
        coerce=int,
        empty_value=None,
    )
    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None, widget=Select
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=Select)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGES)
    target = forms.ChoiceField(label=_("Target"), required=False, choices=TARGETS)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, members: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Any")), *selectors.department_choices()]
        self.fields["assignee"].choices = [*ASSIGNEE_VIEWS, *members]

    def filters(self) -> selectors.QueueFilters:
        """The valid filters; a value that is not an option (an edited URL) is left out."""
        data = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields that are valid
            data = self.cleaned_data
        return selectors.QueueFilters(
            status=data.get("status") or "open",
            kind=data.get("kind") or "",
            priority=data.get("priority"),
            department_id=data.get("department"),
            assignee=data.get("assignee") or "",
            age=data.get("age") or "",
            target=data.get("target") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "due",
        )


class BulkAssignForm(forms.Form):
    requests = forms.TypedMultipleChoiceField(label=_("Requests"), coerce=int, choices=[])
    assignee = forms.TypedChoiceField(
        label=_("Assign the chosen requests to"), coerce=int, widget=Select(attrs={"id": "bulk-assignee"})
    )

    def __init__(self, *args, members: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Choose a COE member")), *members]
        # Any id is accepted here; the service assigns only open requests that exist.
        self.fields["requests"].choices = [(v, v) for v in (self.data.getlist("requests") if self.is_bound else [])]
        self.fields["requests"].error_messages["required"] = _("Choose at least one request.")

    def clean_requests(self) -> list[int]:
        ids = self.cleaned_data["requests"]
        if any(not 1 <= pk <= MAX_ID for pk in ids):
            raise ValidationError(_("Choose requests from the list."), code="invalid_choice")
        return ids

    def assignee_user(self) -> User:
        return User.objects.get(pk=self.cleaned_data["assignee"])


class CannedReplyForm(SingleLineTextMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("For requests of kind"), required=False, choices=[("", _("Any kind")), *Kind.choices]
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class MemberSkillsForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_lead = forms.BooleanField(label=_("COE lead (receives every target warning)"), required=False)


class FromIdeaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of support"), choices=Kind.choices, widget=forms.RadioSelect)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )


# --- query strings and small posts: every value a view reads comes through a form ------------


class SimilarQueryForm(SingleLineTextMixin, forms.Form):
    """What is being typed into the request form, for the matching articles and cases."""

    title = forms.CharField(required=False, max_length=1000)
    description = forms.CharField(required=False, max_length=100_000)
    kind = forms.ChoiceField(required=False, choices=Kind.choices)

    def text(self) -> str:
        self.is_valid()  # a field too long is left out, the other one still counts
        data = self.cleaned_data
        return f"{data.get('title', '')} {data.get('description', '')}".strip()


class AnsweredForm(SimilarQueryForm):
    """“This answered my question”: which article or case (`article:12`), and what was typed."""

    answered = forms.CharField(max_length=40)

    def clean_answered(self) -> tuple[str, int]:
        target_type, _sep, object_id = self.cleaned_data["answered"].partition(":")
        ids = IdField()
        if target_type not in RequestLink.Target.values:
            raise ValidationError(_("Unknown article or case."), code="invalid")
        try:
            return target_type, ids.clean(object_id)
        except ValidationError:
            raise ValidationError(_("Unknown article or case."), code="invalid") from None


class LinkForm(forms.Form):
    target_type = forms.ChoiceField(choices=RequestLink.Target.choices)
    object_id = IdField()


class StatusChoiceForm(forms.Form):
    """A status change as posted, before the lifecycle says whether it is allowed for this
    person (the service explains a refusal better than “not one of the options”)."""

    to_status = forms.ChoiceField(choices=Status.choices)
    comment = forms.CharField(required=False, max_length=20_000, widget=forms.Textarea)
    version = forms.IntegerField(min_value=0, max_value=MAX_ID)
