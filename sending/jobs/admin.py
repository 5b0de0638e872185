"""Bulk jobs and the opt-out list in the admin (registered from sending.admin)."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sending.admin_filters import VisibleProfileFilter
from sending.jobs import admin_views, optout_views, watch_views
from sending.models import BulkJob, OptOut
from sending.paginator import EstimatedCountPaginator


def _view(model_admin, function):
    return model_admin.admin_site.admin_view(partial(function, model_admin))


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = (
        "name", "profile", "status", "rows_imported", "rows_rejected", "scheduled_at",
        "created_by", "created_at", "page_link",
    )  # fmt: skip
    list_filter = ("status", ("profile", VisibleProfileFilter), "created_at")
    search_fields = ("name", "source_name")
    date_hierarchy = "created_at"
    # No N+1 on the list: both foreign keys come in the list's one query.
    list_select_related = ("profile", "created_by")
    # The list never counts the whole table twice (estimates come with the engine's work).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fieldsets = (
        (None, {"fields": ("name", "profile", "status", "created_by")}),
        (
            _("Recipients"),
            {
                "fields": (
                    "source_name",
                    "source_kind",
                    "encoding",
                    "delimiter",
                    "mapping",
                    "default_country",
                    "keep_duplicates",
                )
            },
        ),  # fmt: skip
        (
            _("Import"),
            {
                "fields": (
                    "rows_total",
                    "rows_imported",
                    "rows_rejected",
                    "rows_suppressed",
                    "rows_duplicate",
                    "import_error",
                )
            },
        ),  # fmt: skip
        (
            _("When"),
            {"fields": ("scheduled_at", "window_start", "window_end", "window_time_zone")},
        ),
        (
            _("Times"),
            {"fields": ("created_at", "started_at", "paused_at", "finished_at", "cancelled_at")},
        ),
    )

    @admin.display(description=_("job page"))
    def page_link(self, obj):
        if obj.status in watch_views.WATCHED:
            url = reverse("admin:sending_bulkjob_watch", args=[obj.pk])
            return format_html('<a href="{}">{}</a>', url, _("Watch"))
        url = admin_views.step_url(obj) or reverse("admin:sending_bulkjob_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Continue"))

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def get_queryset(self, request):
        return admin_views.visible_jobs(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.new_job(self, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        if job is not None and admin_views.step_url(job):
            return redirect(admin_views.step_url(job))
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = partial(_view, self)
        custom = [
            path(
                "<int:job_id>/mapping/", view(admin_views.mapping), name="sending_bulkjob_mapping"
            ),
            path(
                "<int:job_id>/import/",
                view(admin_views.import_progress),
                name="sending_bulkjob_import",
            ),
            path(
                "<int:job_id>/import.json",
                view(admin_views.import_status),
                name="sending_bulkjob_import_status",
            ),
            path("<int:job_id>/report/", view(admin_views.report), name="sending_bulkjob_report"),
            path(
                "<int:job_id>/row-errors.csv",
                view(admin_views.issues_csv),
                name="sending_bulkjob_issues_csv",
            ),
            path("<int:job_id>/seed/", view(admin_views.send_seed), name="sending_bulkjob_seed"),
            path("<int:job_id>/start/", view(admin_views.start), name="sending_bulkjob_start"),
            path("<int:job_id>/watch/", view(watch_views.job_page), name="sending_bulkjob_watch"),
            path(
                "<int:job_id>/progress.json",
                view(watch_views.progress_json),
                name="sending_bulkjob_progress",
            ),
            path(
                "<int:job_id>/export.csv",
                view(watch_views.export_csv),
                name="sending_bulkjob_export_csv",
            ),
            path(
                "<int:job_id>/export.xlsx",
                view(watch_views.export_xlsx),
                name="sending_bulkjob_export_xlsx",
            ),
        ]
        return custom + super().get_urls()


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("number", "source", "reason", "created_by", "created_at")
    list_filter = ("source", "created_at")
    search_fields = ("number", "reason")
    list_select_related = ("created_by",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a suppression list can hold millions of numbers
    form = optout_views.OptOutForm
    fields = ("number", "reason")
    change_list_template = "sending/admin/optout/change_list.html"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.source = OptOut.Source.MANUAL
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = partial(_view, self)
        custom = [
            path("import/", view(optout_views.import_numbers), name="sending_optout_import"),
            path("export.csv", view(optout_views.export_csv), name="sending_optout_export"),
        ]
        return custom + super().get_urls()
