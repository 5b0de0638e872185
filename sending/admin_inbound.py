"""Admin lists of what providers sent: inbound messages and receipts that matched no message."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from profiles.models.profile import visibility
from sending.admin_filters import VisibleProfileFilter
from sending.list_filters import InboundEncodingFilter, ReceiptStatusFilter
from sending.models import InboundMessage, UnmatchedReceipt
from sending.paginator import EstimatedCountPaginator


class _ReadOnly(admin.ModelAdmin):
    # Both tables can grow large (replies to bulk jobs, a week of unmatched receipts): newest
    # first by id (rows are written as they arrive), an estimated count when unfiltered, filters
    # over fixed choices and no date_hierarchy (each would be a DISTINCT over the table).
    ordering = ("-pk",)
    sortable_by = ("received_at",)  # indexed; any other column would sort the whole table
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # "Show counts" would COUNT per filter choice
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visibility(request.user, via="profile__"))


class CompletenessFilter(admin.SimpleListFilter):
    title = _("parts")
    parameter_name = "parts"

    def lookups(self, request, model_admin):
        return [("complete", _("Complete")), ("incomplete", _("Incomplete"))]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(complete=True)
        if self.value() == "incomplete":
            return queryset.filter(complete=False)
        return queryset


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    # What the message says and what it did first, so they stay in view beside the filters;
    # the number it was sent to and the profile are on its page (and the profile a filter).
    list_display = ("received", "sender", "short_text", "action", "parts_state", "answers")
    list_filter = (
        CompletenessFilter, "action", ("profile", VisibleProfileFilter), InboundEncodingFilter,
        "received_at",
    )  # fmt: skip
    search_fields = ("sender", "recipient", "text")
    list_select_related = ("profile", "reply_to", "job")
    fields = (
        "profile", "sender", "recipient", "text", "encoding", "data_coding", "received_at",
        "parts_state", "action", "reply_to", "job",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return formats.date_format(timezone.localtime(obj.received_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("reply to"))
    def answers(self, obj):
        """The message it answers and, for a bulk message, its job: one cell, so both stay in
        view beside the filters."""
        if obj.reply_to is None:
            return "-"
        if obj.job is None:
            return str(obj.reply_to)
        return _("%(message)s (job “%(job)s”)") % {"message": obj.reply_to, "job": obj.job.name}

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(60)

    @admin.display(description=_("parts"))
    def parts_state(self, obj):
        if obj.complete:
            return str(obj.parts_total)
        wait = timedelta(seconds=settings.SMSPORTAL_INBOUND_PART_WAIT)
        if timezone.now() - obj.received_at > wait:
            return _("Incomplete: %(got)s of %(total)s parts") % {
                "got": obj.parts_received, "total": obj.parts_total,
            }  # fmt: skip
        return _("Waiting: %(got)s of %(total)s parts") % {
            "got": obj.parts_received, "total": obj.parts_total,
        }  # fmt: skip


@admin.register(UnmatchedReceipt)
class UnmatchedReceiptAdmin(_ReadOnly):
    # The state first after the id: it is what the list is read for (and stays in view).
    list_display = ("received_at", "provider_id", "state", "status", "error_code", "profile")
    list_filter = (("profile", VisibleProfileFilter), ReceiptStatusFilter, "received_at")
    search_fields = ("provider_id", "raw")
    list_select_related = ("profile",)
    fields = ("profile", "provider_id", "status", "error_code", "raw", "received_at", "state")
    readonly_fields = fields

    @admin.display(description=_("state"))
    def state(self, obj):
        waited = (timezone.now() - obj.received_at).total_seconds()
        if waited < settings.SMSPORTAL_RECEIPT_WAIT:
            return _("Waiting for its message")
        return _("No message has this id; kept %(days)s days") % {
            "days": settings.SMSPORTAL_UNMATCHED_RECEIPT_DAYS
        }
