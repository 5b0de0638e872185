"""The message records (read-only) and, through MessageAdmin.get_urls, the Test connection and
Send test SMS pages the profile pages link to."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.urls import path
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from profiles.models.profile import visibility
from sending import admin_inbound, admin_views, list_filters  # noqa: F401  (admin_inbound registers)
from sending.admin_filters import VisibleProfileFilter
from sending.jobs import admin as jobs_admin  # noqa: F401  registers BulkJob and OptOut
from sending.models import Message, MessagePart
from sending.paginator import EstimatedCountPaginator


class MessagePartInline(admin.TabularInline):
    model = MessagePart
    extra = 0
    can_delete = False
    fields = (
        "index", "provider_id", "receipt_status", "receipt_error", "receipt_at", "delivered",
        "receipt_raw",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created", "to", "profile", "job", "kind", "status", "parts_count", "attempts",
        "short_error",
    )  # fmt: skip
    # Newest first by id (ids follow creation): the primary key (and, filtered by status or job,
    # the status and job_id indexes, which end with the id on SQLite) serve the order without
    # sorting a million rows or another index for the senders to keep up to date. The other
    # columns do not sort: each would be a sort over the whole table.
    ordering = ("-pk",)
    sortable_by = ("created",)
    # Fixed choices, never SELECT DISTINCT over the table; no date_hierarchy (its year links
    # are a DISTINCT over every row). See sending.list_filters.
    list_filter = (
        "status",
        "kind",
        ("profile", VisibleProfileFilter),
        list_filters.JobFilter,
        list_filters.EncodingFilter,
        list_filters.LanguageFilter,
        "created_at",
    )
    search_fields = ("to", "text", "parts__provider_id", "error_reason")
    # One query for the page, its profiles and jobs included (no N+1).
    list_select_related = ("profile", "job")
    # Millions of rows: no second COUNT of the whole table, an estimate for the unfiltered list.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # "Show counts" would COUNT per filter choice
    paginator = EstimatedCountPaginator
    inlines = [MessagePartInline]
    fieldsets = (
        (None, {"fields": ("profile", "kind", "status", "to", "sender", "text")}),
        (_("Encoding"), {"fields": ("language", "encoding", "parts_count")}),
        (
            _("Attempts"),
            {
                "fields": (
                    "attempts",
                    "error_code",
                    "error_reason",
                    "next_attempt_at",
                    "possibly_duplicate",
                )
            },  # fmt: skip
        ),
        (
            _("Times"),
            {"fields": ("created_by", "created_at", "last_attempt_at", "sent_at", "finished_at")},
        ),
    )

    @admin.display(description=_("created"), ordering="pk")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return Truncator(obj.error_reason).chars(60)

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The same visibility as Global Configuration gives the profiles themselves.
        return super().get_queryset(request).filter(visibility(request.user, via="profile__"))

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(partial(function, self))

        custom = [
            path(
                "test-connection/<int:profile_id>/",
                view(admin_views.test_connection),
                name="sending_test_connection",
            ),
            path(
                "send-test/<int:profile_id>/",
                view(admin_views.send_test),
                name="sending_send_test",
            ),
            path(
                "send-test/result/<int:message_id>/",
                view(admin_views.send_test_result),
                name="sending_send_test_result",
            ),
            path(
                "send-test/result/<int:message_id>/status.json",
                view(admin_views.send_test_status),
                name="sending_send_test_status",
            ),
        ]
        return custom + super().get_urls()
