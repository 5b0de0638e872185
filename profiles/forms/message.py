"""Step 3 — Message. (Minimal first version; the message-content work replaces it.)"""

from django import forms

from ..models import STEP_FIELDS, SmsProfile


class MessageStepForm(forms.ModelForm):
    class Meta:
        model = SmsProfile
        fields = [f for f in STEP_FIELDS[3]]
