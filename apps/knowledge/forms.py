from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.forms import (
    MAX_ID,
    DateField,
    IdChoiceField,
    IdsChoiceField,
    KeptFilesMixin,
    MultipleFileField,
    Select,
    SingleLineTextMixin,
)
from apps.core.params import IdField
from apps.knowledge import selectors
from apps.knowledge.models import Article, ArticleAttachment, Category, Tag


class CategoryChoiceField(IdChoiceField):
    """Categories in tree order, children indented under their parent."""

    widget = Select

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.all(), **kwargs)

    def _set_tree_choices(self) -> None:
        nodes = selectors.category_tree()
        self.choices = [("", self.empty_label or "---------")] + [
            (node.category.pk, "\u3000" * node.depth + node.category.name) for node in nodes
        ]


class ArticleForm(SingleLineTextMixin, KeptFilesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = CategoryChoiceField(label=_("Category"), required=False, empty_label=_("No category"))
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas, for example: Teams, 会議"),
    )
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 20, "class": "editor__body"}),
        help_text=_(
            "Markdown: # headings, - lists, | tables |, ``` code blocks ```, ![description](image address). "
            "Put a video address alone on a line to embed it."
        ),
    )
    review_by = DateField(
        label=_("Review by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the owner should check that the article is still correct."),
    )
    related = IdsChoiceField(
        label=_("Related articles"),
        queryset=Article.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Published articles of the same category, newest first. Hold Ctrl (⌘ on a Mac) to choose more than one."
        ),
    )
    attachments = MultipleFileField(label=_("Add attachments"), required=False)
    remove_attachments = IdsChoiceField(
        label=_("Remove attachments"),
        queryset=ArticleAttachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What did you change?"),
        required=False,
        max_length=200,
        help_text=_("Optional; shown in the history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_ID)

    def __init__(self, *args, user: User, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.kept_files_init(user)
        self.fields["category"]._set_tree_choices()
        self.fields["related"].queryset = selectors.article_choices_for_related(article)
        if article is not None:
            self.fields["remove_attachments"].queryset = article.attachments.all()
        else:
            del self.fields["remove_attachments"]

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"].replace("、", ",").replace("，", ",")
        names = [" ".join(part.split()) for part in raw.split(",")]
        names = [n for n in names if n]
        too_long = [n for n in names if len(n) > Tag._meta.get_field("name").max_length]
        if too_long:
            raise ValidationError(_("A tag may be at most 50 characters: %(tag)s"), params={"tag": too_long[0]})
        if len(names) > 20:
            raise ValidationError(_("Use at most 20 tags."))
        return names

    def new_and_kept_files(self) -> list:
        return [*self.good_uploads, *self.kept]

    @staticmethod
    def initial_for(article: Article) -> dict:
        return {
            "title": article.title,
            "category": article.category_id,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "body": article.body,
            "review_by": article.review_by,
            "related": [a.pk for a in article.related.all()],
            "version": article.version,
        }


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was missing or unclear? The article's owner reads it."),
    )


class SuggestionForm(forms.Form):
    message = forms.CharField(
        label=_("What should change?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: the procedure changed in April, step 3 now needs approval."),
    )
    proposed_body = forms.CharField(
        label=_("Proposed text (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Edit the article's Markdown here if you can; the owner sees the differences."),
    )


class ArticleListFilterForm(forms.Form):
    SORT_CHOICES = [
        ("updated", _("Recently updated")),
        ("title", _("Title")),
        ("views", _("Most viewed")),
        ("review_by", _("Review-by date")),
    ]
    category = CategoryChoiceField(label=_("Category"), required=False, empty_label=_("All categories"))
    tag = IdChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("All tags"), to_field_name="name",
        widget=Select,
    )  # fmt: skip
    status = forms.ChoiceField(label=_("Status"), required=False)
    stale = forms.BooleanField(label=_("Only articles past their review-by date"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False, choices=[("", _("Anyone")), ("me", _("My articles"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, can_filter_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"]._set_tree_choices()
        if can_filter_status:
            self.fields["status"].choices = [("", _("All but archived")), *Article.Status.choices]
        else:
            del self.fields["status"]


class ReassignForm(forms.Form):
    from_user = IdChoiceField(label=_("Current owner"), queryset=selectors.owners_with_articles())
    to_user = IdChoiceField(label=_("New owner"), queryset=selectors.possible_owners())
    scope = forms.ChoiceField(
        label=_("Which articles"),
        choices=[("all", _("All of their articles")), ("selected", _("Only the articles ticked below"))],
        initial="all",
        widget=forms.RadioSelect,
    )
    articles = IdsChoiceField(
        label=_("Articles"), queryset=Article.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Querysets are re-evaluated per form, so new owners appear without a restart.
        self.fields["from_user"].queryset = selectors.owners_with_articles()
        self.fields["to_user"].queryset = selectors.possible_owners()
        for field in ("from_user", "to_user"):
            self.fields[field].label_from_instance = lambda u: f"{u.get_full_name()} ({u.username})"
        from_user = self.data.get("from_user") if self.is_bound else self.initial.get("from_user")
        owner_id = from_user.pk if isinstance(from_user, User) else _id_or_none(from_user)
        if owner_id:
            self.fields["articles"].queryset = Article.objects.filter(owner_id=owner_id).defer("body").order_by("title")

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("to_user") and data["from_user"] == data["to_user"]:
            self.add_error("to_user", _("Choose someone other than the current owner."))
        if data.get("scope") == "selected" and not data.get("articles"):
            self.add_error("articles", _("Tick at least one article, or choose “All of their articles”."))
        return data


def _id_or_none(value) -> int | None:
    try:
        return IdField().clean(value)
    except ValidationError:
        return None
