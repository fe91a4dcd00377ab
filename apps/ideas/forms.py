from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import department_list
from apps.core.forms import (
    IdChoiceField,
    IdsChoiceField,
    KeptFilesMixin,
    MaxCharactersValidator,
    MultipleFileField,
    SingleLineTextMixin,
    portal_formfield,
)
from apps.core.params import IdField
from apps.core.uploads import MAX_FILES
from apps.ideas.models import AnswerStatus, Attachment, Challenge, Idea

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
# An idea's details, as long as a support request's description may be. Checked here only:
# ideas stored before the limit keep their text and are shown and handled as before.
BODY_MAX_LENGTH = 10_000


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are Japan time (settings.TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_INPUT)


class ChallengeForm(SingleLineTextMixin, forms.ModelForm):
    categories = forms.CharField(
        label=_("Categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line; add the English name after a bar: 業務効率化 | Efficiency. "
            "A category that ideas already use is kept."
        ),
    )

    class Meta:
        model = Challenge
        formfield_callback = portal_formfield
        fields = [
            "title",
            "theme",
            "submission_start",
            "submission_end",
            "voting_start",
            "voting_end",
            "vote_kind",
            "vote_budget",
            "own_department_may_vote",
            "hide_counts_while_voting",
            "premoderation",
            "results_visibility",
        ]
        widgets = {
            "theme": forms.Textarea(attrs={"rows": 8}),
            "submission_start": DateTimeLocalInput(),
            "submission_end": DateTimeLocalInput(),
            "voting_start": DateTimeLocalInput(),
            "voting_end": DateTimeLocalInput(),
            "vote_kind": forms.RadioSelect,
        }
        help_texts = {
            "submission_start": _("Japan time. The two periods may overlap."),
            "voting_end": _("Japan time. Votes are accepted until this moment; then the tally is sealed."),
            "hide_counts_while_voting": _(
                "Nobody sees counts until the results are published, so early ideas do not draw votes just by leading."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("submission_start", "submission_end", "voting_start", "voting_end"):
            self.fields[name].input_formats = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        if self.instance.pk and not self.is_bound:
            self.initial["categories"] = "\n".join(
                f"{c.name_ja} | {c.name_en}" if c.name_en else c.name_ja for c in self.instance.categories.all()
            )

    def clean(self):
        data = super().clean()
        pairs = [
            ("submission_start", "submission_end", _("The end of the submission period must be after its start.")),
            ("voting_start", "voting_end", _("Voting must close after it opens.")),
        ]
        for start, end, message in pairs:
            if data.get(start) and data.get(end) and data[end] <= data[start]:
                self.add_error(end, message)
        if (
            data.get("submission_start")
            and data.get("voting_start")
            and data["voting_start"] < data["submission_start"]
        ):
            self.add_error("voting_start", _("Voting cannot open before ideas are accepted."))
        if data.get("vote_budget") is not None and data["vote_budget"] < 1:
            self.add_error("vote_budget", _("Give each person at least one vote."))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["categories"] = data.get("categories", "").splitlines()
        return data


class IdeaForm(SingleLineTextMixin, KeptFilesMixin, forms.Form):
    """Saving a draft needs only a title; submitting needs the summary too. When anything
    is wrong the form comes back with everything typed and the files kept (browsers never
    re-fill a file input)."""

    title = forms.CharField(label=_("Title"), max_length=150)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what would change, for whom. Needed to submit."),
    )
    body = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        # A validator, not max_length: the browser's maxlength would cut a long paste silently.
        validators=[MaxCharactersValidator(BODY_MAX_LENGTH)],
        help_text=_("Markdown: # headings, - lists, **bold**, [link](address)."),
    )
    category = IdChoiceField(label=_("Category"), queryset=None, required=False)
    department = IdChoiceField(label=_("Department"), queryset=None, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=200, required=False, help_text=_("Separate with commas, for example: RPA, 窓口")
    )
    attachments = MultipleFileField(label=_("Add images or attachments"), required=False)
    remove_attachments = IdsChoiceField(
        label=_("Remove attachments"), queryset=Attachment.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(
        self, *args, user: User, challenge: Challenge, idea: Idea | None = None, submitting: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.challenge, self.idea, self.submitting = challenge, idea, submitting
        self.kept_files_init(user)
        self.fields["category"].queryset = challenge.categories.all()
        self.fields["category"].empty_label = _("No category")
        self.fields["department"].queryset = department_list()
        self.fields["department"].empty_label = _("My department")
        similar_url = reverse("ideas:similar", args=[challenge.pk])
        for name in ("title", "summary"):
            # Similar ideas appear while typing (htmx); the "Check for similar ideas" button does it without JS.
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": similar_url,
                    "hx-trigger": "input changed delay:500ms",
                    "hx-target": "#similar-ideas",
                    "hx-include": "[name=title],[name=summary],[name=idea]",
                    "hx-swap": "innerHTML",
                }
            )
        if idea is not None and idea.pk:
            self.fields["remove_attachments"].queryset = idea.attachments.all()
        else:
            del self.fields["remove_attachments"]

    @staticmethod
    def initial_for(idea: Idea) -> dict:
        return {
            "title": idea.title,
            "summary": idea.summary,
            "body": idea.body,
            "category": idea.category_id,
            "department": idea.department_id,
            "tags": idea.tags,
        }

    def clean(self):
        data = super().clean()
        if self.submitting and not (data.get("summary") or "").strip() and "summary" not in self.errors:
            self.add_error("summary", _("Write a short summary before submitting (a draft can be saved without it)."))
        existing = len(self.idea.attachments.all()) if self.idea is not None and self.idea.pk else 0
        removed = len(data.get("remove_attachments") or [])
        if existing - removed + len(data.get("attachments") or []) + len(self.kept) > MAX_FILES:
            self.add_error(
                "attachments", _("An idea can have at most %(max)d images and attachments.") % {"max": MAX_FILES}
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data.get("summary") or "",
            "body": data.get("body") or "",
            "category": data.get("category"),
            "department": data.get("department"),
            "tags": data.get("tags") or "",
            "attachments_add": [*(data.get("attachments") or []), *self.kept],
            "attachments_remove": [a.pk for a in data.get("remove_attachments") or []],
        }


class IdeaFilterForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, *args, challenge: Challenge, show_counts: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # From the categories the selector prefetched: no query of its own.
        self.fields["category"].choices = [("", _("All"))] + [(c.pk, c.name) for c in challenge.categories.all()]
        choices = [("new", _("Newest first")), ("old", _("Oldest first"))]
        if show_counts:
            choices.insert(1, ("popular", _("Most いいね first")))
        self.fields["sort"].choices = choices


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and publish")), ("return", _("Return to the author"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for returning"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the author; needed when returning."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give the author a reason."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text; web addresses become links."),
    )


class HideCommentForm(SingleLineTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"), max_length=300, help_text=_("The comment's author sees this reason.")
    )


class CoauthorInviteForm(SingleLineTextMixin, forms.Form):
    person = forms.CharField(
        label=_("Invite a co-author"),
        max_length=150,
        help_text=_("Their user name, e-mail address or employee number. They must accept before they are shown."),
    )

    def clean_person(self) -> User:
        value = self.cleaned_data["person"].strip()
        user = (
            User.objects.filter(is_active=True)
            .filter(Q(username__iexact=value) | Q(email__iexact=value) | Q(employee_number=value))
            .first()
            if value
            else None
        )
        if user is None:
            raise ValidationError(_("Nobody with that user name, e-mail address or employee number was found."))
        return user


class MergeForm(forms.Form):
    target = IdChoiceField(label=_("Merge into"), queryset=Idea.objects.none())

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class AnswerForm(forms.Form):
    status = IdChoiceField(label=_("Official answer"), queryset=AnswerStatus.objects.all())
    text = forms.CharField(
        label=_("Public response"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Shown on the idea's page to everyone."),
    )


class SimilarIdeaForm(SingleLineTextMixin, forms.Form):
    """What is being typed into the idea form, for the similar ideas beside it."""

    title = forms.CharField(required=False, max_length=1000)
    summary = forms.CharField(required=False, max_length=10_000)
    idea = IdField(required=False)  # the idea being edited: not similar to itself

    def text(self) -> str:
        self.is_valid()  # a field too long is left out, the other one still counts
        return f"{self.cleaned_data.get('title', '')} {self.cleaned_data.get('summary', '')}".strip()
