from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateField, SingleLineTextMixin
from apps.core.params import IdField


class LanguageForm(SingleLineTextMixin, forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


class DemoSignInForm(forms.Form):
    user_id = IdField()


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Use the browser's language")), *settings.LANGUAGES],
        required=False,
    )


class DirectorySyncForm(forms.Form):
    """“Sync now” and “Dry run” on the directory page."""

    dry_run = forms.BooleanField(required=False)
    full = forms.BooleanField(
        label=_("Read everything again (a full run instead of the changes since the last run)"), required=False
    )


class DirectoryRunForm(forms.Form):
    """Which run's changes the directory page lists (?run=, ?kind=, ?page=)."""

    run = IdField(required=False)
    kind = forms.ChoiceField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from apps.accounts.models import DirectoryChange

        self.fields["kind"].choices = [("", _("All changes")), *DirectoryChange.Kind.choices]


class OrgChartUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Organisation chart"),
        help_text=_("CSV (UTF-8 or Shift_JIS) or Excel (.xlsx), with the columns described below."),
    )
    effective_on = DateField(
        label=_("Effective date"),
        help_text=_("The day the new structure starts, usually 1 April. Today or earlier."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_effective_on(self):
        from datetime import date

        from django.utils import timezone

        value = self.cleaned_data["effective_on"]
        if value < date(1990, 1, 1):
            raise forms.ValidationError(_("Enter a date from 1990 on."))
        if value > timezone.localdate():
            raise forms.ValidationError(_("The effective date is in the future: apply the chart on or after that day."))
        return value


class OrgChartForm(forms.Form):
    """The chart a preview or an “apply” is about."""

    chart = IdField()
