"""The opt-out list's add form, import (CSV/XLSX of numbers) and CSV export."""

from __future__ import annotations

import csv
import itertools
import tempfile
from pathlib import Path

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sending.jobs import mapping as column_mapping
from sending.jobs.forms import country_choices
from sending.jobs.reader import FileProblem, kind_for_name, open_table
from sending.models import OptOut

BATCH = 2000


def to_e164(value: str, country: str) -> str | None:
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class OptOutForm(forms.ModelForm):
    class Meta:
        model = OptOut
        fields = ["number", "reason"]

    def clean_number(self) -> str:
        value = self.cleaned_data["number"]
        number = to_e164(value, settings.SMSPORTAL_DEFAULT_COUNTRY)
        if number is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid mobile number.") % {"value": value}
            )
        if OptOut.objects.filter(number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("%(number)s is on the list already.") % {"number": number}
            )
        return number


class OptOutImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of numbers"),
        help_text=gettext_lazy(
            "CSV or XLSX; the column named phone (or mobile, number…), else the first."
        ),
    )
    default_country = forms.ChoiceField(label=gettext_lazy("Default country"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_country"].choices = country_choices()
        self.fields["default_country"].initial = settings.SMSPORTAL_DEFAULT_COUNTRY


def import_file(path: Path, kind: str, *, country: str, reason: str, user=None) -> dict[str, int]:
    """Add every valid number of the file to the list; counts of added, known and invalid."""
    table = open_table(path, kind)
    index = column_mapping.phone_column(table.header) or 0
    counts = {"added": 0, "known": 0, "invalid": 0}
    rows = (cells[index] if index < len(cells) else "" for _row, cells in table.rows())
    values = (value for value in rows if value)
    while batch := list(itertools.islice(values, BATCH)):
        numbers = []
        for value in batch:
            number = to_e164(value, country)
            if number is None:
                counts["invalid"] += 1
            else:
                numbers.append(number)
        unique = set(numbers)
        known = set(OptOut.objects.filter(number__in=unique).values_list("number", flat=True))
        new = unique - known
        OptOut.objects.bulk_create(
            [
                OptOut(number=n, source=OptOut.Source.IMPORT, reason=reason, created_by=user)
                for n in sorted(new)
            ],
            ignore_conflicts=True,
        )
        counts["added"] += len(new)
        counts["known"] += len(numbers) - len(new)
    return counts


def import_numbers(model_admin, request):
    if not request.user.has_perm("sending.add_optout"):
        raise PermissionDenied
    form = OptOutImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                counts = import_file(
                    Path(handle.name),
                    kind_for_name(upload.name),
                    country=form.cleaned_data["default_country"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except FileProblem as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "%(added)s numbers added; %(known)s were on the list already; "
                        "%(invalid)s are not valid numbers."
                    )
                    % counts,
                )
                return redirect("admin:sending_optout_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Import opt-out numbers"),
        "opts": OptOut._meta,
        "form": form,
    }
    return TemplateResponse(request, "sending/admin/optout/import.html", context)


class _Echo:
    def write(self, value):
        return value


def export_csv(model_admin, request):
    if not request.user.has_perm("sending.view_optout"):
        raise PermissionDenied
    writer = csv.writer(_Echo())
    header = [_("number"), _("source"), _("reason"), _("added")]
    entries = OptOut.objects.order_by("number").values_list(
        "number", "source", "reason", "created_at"
    )
    rows = (
        (number, source, reason, added.isoformat())
        for number, source, reason, added in entries.iterator(2000)
    )
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in itertools.chain([header], rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="opt-out-list.csv"'
    return response
