from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.forms import SingleLineTextMixin
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
