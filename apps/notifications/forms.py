from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import department_list
from apps.core.forms import SingleLineTextMixin, portal_formfield
from apps.notifications.models import Announcement, EmailMode
from apps.notifications.registry import kinds_all


class AnnouncementForm(SingleLineTextMixin, forms.ModelForm):
    class Meta:
        model = Announcement
        formfield_callback = portal_formfield
        fields = ["title", "body", "department"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_list()
        self.fields["department"].empty_label = _("All staff")


class PreferencesForm(forms.Form):
    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds_all():
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                choices=EmailMode.choices,
                initial=current.get(kind.key, kind.default_email),
                widget=forms.RadioSelect,
                required=False,  # a kind missing from the POST keeps its current setting
            )
