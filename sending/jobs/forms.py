"""Forms of the "Add bulk job" pages: the recipients, the column mapping, a seed list, the start."""

from __future__ import annotations

import datetime
import zoneinfo

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from profiles.models import SmsProfile, SmsSettings
from sending.forms import normalise_number
from sending.jobs import mapping as column_mapping
from sending.jobs import schedule
from sending.jobs.create import MAX_SEEDS

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


def country_choices() -> list[tuple[str, str]]:
    return [
        (region, f"{region} (+{phonenumbers.country_code_for_region(region)})")
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]


def usable_profiles(user):
    """The profiles a user may send a job with (Global Configuration rules, complete only)."""
    return SmsProfile.objects.visible_to(user).complete().order_by("name")


class NewJobForm(forms.Form):
    profile = forms.ModelChoiceField(label=_("Profile"), queryset=SmsProfile.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    file = forms.FileField(
        label=_("Recipient file"),
        required=False,
        help_text=_("CSV (any delimiter, UTF-8 or Latin-1) or XLSX, with a header row."),
    )
    pasted = forms.CharField(
        label=_("Or paste numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 40, "spellcheck": "false"}),
        help_text=_("One number per line (or separated by commas)."),
    )
    default_country = forms.ChoiceField(
        label=_("Default country"),
        help_text=_("Numbers written without a country code are read as numbers of this country."),
    )
    keep_duplicates = forms.BooleanField(
        label=_("Keep duplicates"),
        required=False,
        help_text=_("Send to a number as often as it appears in the file."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        profiles = usable_profiles(user)
        self.fields["profile"].queryset = profiles
        applied = SmsSettings.applied()
        if applied is not None and profiles.filter(pk=applied.pk).exists():
            self.fields["profile"].initial = applied.pk
        self.fields["default_country"].choices = country_choices()
        self.fields["default_country"].initial = settings.SMSPORTAL_DEFAULT_COUNTRY

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        limit = settings.SMSPORTAL_BULK_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; at most %(limit)s can be uploaded.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if not upload.name.lower().endswith(EXTENSIONS):
            raise ValidationError(_("Upload a CSV (.csv, .txt, .tsv) or an Excel (.xlsx) file."))
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("pasted") or "").strip():
            if "file" not in self.errors:
                raise ValidationError(_("Upload a recipient file or paste numbers."))
        elif data.get("file") and (data.get("pasted") or "").strip():
            raise ValidationError(_("Upload a file or paste numbers, not both."))
        return data


class MappingForm(forms.Form):
    """One select per column of the file."""

    def __init__(self, *args, header: list[str], profile, initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = column_mapping.target_choices(profile)
        for index, column in enumerate(header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column, choices=choices, required=False,
                initial=initial_mapping.get(column, ""),
            )  # fmt: skip

    def clean(self):
        data = super().clean()
        mapping = {
            column: data.get(f"column_{index}") or "" for index, column in enumerate(self.header)
        }
        problems = column_mapping.validate(mapping, self.header)
        if problems:
            raise ValidationError(problems)
        data["mapping"] = mapping
        return data


class SeedForm(forms.Form):
    numbers = forms.CharField(
        label=_("Seed numbers"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40, "spellcheck": "false"}),
        help_text=_("Up to %(count)s numbers in international format, one per line.")
        % {"count": MAX_SEEDS},
    )

    def clean_numbers(self) -> list[str]:
        lines = [line for line in self.cleaned_data["numbers"].replace(",", "\n").splitlines()]
        values = [line.strip() for line in lines if line.strip()]
        if len(values) > MAX_SEEDS:
            raise ValidationError(_("Give at most %(count)s seed numbers.") % {"count": MAX_SEEDS})
        return list(dict.fromkeys(normalise_number(value) for value in values))


class StartForm(forms.Form):
    NOW, LATER = "now", "later"
    when = forms.ChoiceField(
        label=_("Start"),
        choices=[(NOW, _("Now")), (LATER, _("At a scheduled time"))],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Scheduled time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the job's time zone below."),
    )
    window_start = forms.TimeField(
        label=_("Send window opens"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Optional: messages wait outside the window, in the recipient's local time."),
    )
    window_end = forms.TimeField(
        label=_("Send window closes"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_(
            "For the scheduled time, and for numbers whose country has no single time zone."
        ),
    )

    def clean_time_zone(self) -> str:
        return schedule.check_zone(self.cleaned_data["time_zone"].strip())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        schedule.check_window(data.get("window_start"), data.get("window_end"))
        data["start_at"] = None
        if data["when"] == self.LATER:
            when = data.get("scheduled_at")
            if when is None:
                self.add_error("scheduled_at", _("Give the time the job starts at."))
                return data
            zone = zoneinfo.ZoneInfo(data["time_zone"])
            # The browser sends a local time without zone; it is the job zone's wall clock.
            local = when.replace(tzinfo=None) if isinstance(when, datetime.datetime) else when
            try:
                data["start_at"] = schedule.check_start(local.replace(tzinfo=zone))
            except ValidationError as exc:
                self.add_error("scheduled_at", exc)
        return data
