"""Admin list filters over fixed choices: Django's AllValuesFieldListFilter would run a
SELECT DISTINCT over the whole table (messages, inbound messages, receipts) on every page view."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from profiles.message import segments
from sending.jobs.admin_views import visible_jobs

JOBS_LISTED = 10


class _FixedChoices(admin.SimpleListFilter):
    field = ""

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class EncodingFilter(_FixedChoices):
    title = _("encoding")
    parameter_name = field = "encoding"

    def lookups(self, request, model_admin):
        return [(segments.GSM7, _("GSM 7-bit")), (segments.UCS2, _("UCS-2"))]


class InboundEncodingFilter(EncodingFilter):
    """What an inbound message's data_coding decoded as (sending.inbound.decode)."""

    def lookups(self, request, model_admin):
        return [*super().lookups(request, model_admin), ("latin1", _("Latin-1")),
                ("binary", _("Binary"))]  # fmt: skip


class ReceiptStatusFilter(_FixedChoices):
    title = _("receipt")
    parameter_name = field = "status"

    def lookups(self, request, model_admin):
        words = ("DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "ACCEPTD", "ENROUTE", "DELETED",
                 "UNKNOWN")  # fmt: skip
        return [(word, word) for word in words]


class LanguageFilter(_FixedChoices):
    title = _("language")
    parameter_name = field = "language"

    def lookups(self, request, model_admin):
        names = dict(settings.LANGUAGES)
        return [(code, names.get(code, code)) for code in settings.SMSPORTAL_MESSAGE_LANGUAGES]


class JobFilter(admin.SimpleListFilter):
    """The latest jobs by name (and the one selected, however old): a link from a job's page
    lists its messages."""

    title = _("bulk job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        visible = visible_jobs(request.user).order_by("-created_at", "-pk")
        jobs = list(visible.values_list("pk", "name")[:JOBS_LISTED])
        value = self.value()
        if value and value.isdigit() and all(str(pk) != value for pk, _name in jobs):
            jobs += list(visible.filter(pk=value).values_list("pk", "name"))
        return [(str(pk), name) for pk, name in jobs]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(job_id=value)
        return queryset
