"""Admin for SMS profiles: the list and change pages, the wizard's URLs and SMS Settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import views
from .choices import WEB_URL
from .models import STEP_FIELDS, STEPS, SmsProfile, SmsSettings
from .models.profile import ALL_STEPS_SAVED
from .wizard import STEP_SLUGS, ProfileWizard, wizard_url

TEST_URL_NAMES = (
    ("admin:sending_test_connection", _("Test connection")),
    ("admin:sending_send_test", _("Send test SMS")),
)


def gateway_links(profile: SmsProfile) -> list[tuple[str, str]]:
    """Test connection and Send test SMS, the pages the sending app provides for a profile."""
    return [(reverse(name, args=[profile.pk]), label) for name, label in TEST_URL_NAMES]


def _shown(fields: list[str]) -> list[str]:
    """A step's fields as the change page shows them: secrets never, even encrypted."""
    return [name for name in fields if name != "password_encrypted"]


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("complete", _("Complete")), ("draft", _("Draft"))]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(saved_steps=ALL_STEPS_SAVED)
        if self.value() == "draft":
            return queryset.exclude(saved_steps=ALL_STEPS_SAVED)
        return queryset


@admin.register(SmsProfile)
class SmsProfileAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "protocol",
        "host_or_url",
        "bind_mode",
        "processing_mode",
        "is_global",
        "state",
        "is_applied",
    )
    list_filter = ("protocol", StateFilter, "is_global", "bind_mode", "processing_mode")
    search_fields = ("name", "host", "url", "username", "sender")
    actions = ["apply_profile", "duplicate_profiles", "regenerate_receipt_token"]
    fieldsets = [
        (STEPS[1], {"fields": ["name", "owner", "state"]}),
        (STEPS[2], {"fields": [*_shown(STEP_FIELDS[2]), "password_state"]}),
        (STEPS[3], {"fields": ["sender", "message", "multilingual", "missing_data_policy"]}),
        (STEPS[4], {"fields": ["advanced_summary"], "classes": ["collapse"]}),
    ]

    # -- list columns -------------------------------------------------------------------
    @admin.display(description=_("host / URL"))
    def host_or_url(self, profile: SmsProfile) -> str:
        if profile.protocol == "web_url":
            return urlsplit(profile.url).netloc or "—"
        return f"{profile.host}:{profile.port}" if profile.host else "—"

    @admin.display(description=_("state"))
    def state(self, profile: SmsProfile) -> str:
        return profile.state_label

    @admin.display(description=_("applied"), boolean=True, ordering="-applied")
    def is_applied(self, profile: SmsProfile) -> bool:
        return getattr(profile, "applied", False)

    @admin.display(description=_("Password"))
    def password_state(self, profile: SmsProfile) -> str:
        return gettext("stored (encrypted)") if profile.has_password else gettext("not set")

    @admin.display(description=_("Advanced Settings"))
    def advanced_summary(self, profile: SmsProfile) -> str:
        return format_html(
            "{}: {} · {}: {} · {}: {} · {}: {}",
            gettext("Window size"),
            profile.effective_window,
            gettext("Retries"),
            profile.max_retries,
            gettext("Delivery receipts"),
            profile.get_delivery_receipts_display(),
            gettext("Headers"),
            ", ".join(h["name"] for h in profile.headers) or "—",
        )

    # -- Global Configuration -----------------------------------------------------------
    def get_queryset(self, request):
        applied = SmsSettings.objects.filter(applied_profile=OuterRef("pk"))
        return (
            super().get_queryset(request).visible_to(request.user).annotate(applied=Exists(applied))
        )

    def get_readonly_fields(self, request, obj=None):
        # Editing happens in the wizard, step by step; the change page is the overview.
        return [field for _title, options in self.fieldsets for field in options["fields"]]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.visible_to(request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.visible_to(request.user))

    def has_apply_permission(self, request):
        return request.user.has_perm("profiles.apply_smsprofile")

    # -- pages --------------------------------------------------------------------------
    def get_urls(self):
        wizard = ProfileWizard.as_view(
            model_admin=self, url_name="admin:profiles_smsprofile_wizard"
        )
        wizard = self.admin_site.admin_view(wizard)
        return [
            path("wizard/<slug:step>/", wizard, name="profiles_smsprofile_wizard_new"),
            path("<int:pk>/wizard/<slug:step>/", wizard, name="profiles_smsprofile_wizard"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(
            reverse("admin:profiles_smsprofile_wizard_new", args=["create"])
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        profile = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if profile is not None:
            extra_context["wizard_links"] = [
                (
                    wizard_url(profile, STEP_SLUGS[number]),
                    number,
                    title,
                    profile.is_step_saved(number),
                )
                for number, title in STEPS.items()
            ]
            if self.has_change_permission(request, profile):  # the tests bind and send
                extra_context["gateway_links"] = gateway_links(profile)
        return super().change_view(request, object_id, form_url, extra_context)

    # -- actions ------------------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            # Django's wording uses the plural name, "All SMS profiles", which reads oddly here.
            function, name, _description = actions["delete_selected"]
            actions["delete_selected"] = (function, name, _("Delete the selected profiles"))
        return actions

    @admin.action(description=_("Apply the selected profile site-wide"), permissions=["apply"])
    def apply_profile(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one profile to apply."), messages.ERROR
            )
            return
        profile = queryset.get()
        try:
            SmsSettings.load().apply(profile, request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("“%(name)s” is now applied.") % {"name": profile.name},
            messages.SUCCESS,
        )

    @admin.action(description=_("Duplicate the selected profiles"), permissions=["add"])
    def duplicate_profiles(self, request, queryset):
        for profile in queryset:
            copy = duplicate(profile, request.user)
            self.message_user(
                request,
                gettext(
                    "“%(copy)s” created from “%(name)s”. It is private to you; secrets are not "
                    "copied, so enter the password again in step 2."
                )
                % {"copy": copy.name, "name": profile.name},
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Regenerate the receipt callback token (Web URL)"), permissions=["change"]
    )
    def regenerate_receipt_token(self, request, queryset):
        for profile in queryset.filter(protocol=WEB_URL):
            token = profile.regenerate_receipt_token()
            path = reverse(
                "receipt_callback",
                kwargs={"profile_id": profile.pk, "token": token, "reference": "REF"},
            ).removesuffix("REF/")
            self.message_user(
                request,
                gettext(
                    "New receipt callback URL of “%(name)s”, shown this once: %(url)s<message id>/ "
                    "The old URL stops working now; {receipt_url} and {kannel_receipt_url} in "
                    "the gateway URL fill it in for each message."
                )
                % {"name": profile.name, "url": settings.SMSPORTAL_PUBLIC_URL + path},
                messages.WARNING,
            )


def duplicate(profile: SmsProfile, owner) -> SmsProfile:
    """A private copy named "X (copy)", "X (copy 2)", …, without any secret value.

    Secrets stay with the original: a copy whose host its new owner can change must not carry
    the original's password (they could send it to a server of their own)."""
    copy = SmsProfile.objects.get(pk=profile.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.name = _unique_copy_name(profile.name)
    copy.owner, copy.is_global = owner, False
    if copy.password_encrypted:
        copy.password_encrypted = ""
        copy.saved_steps &= ~(1 << 1)  # step 2 must be saved again with a password
    if any(h.get("secret") for h in copy.headers):
        copy.headers = [{**h, "value": ""} if h.get("secret") else h for h in copy.headers]
        copy.saved_steps &= ~(1 << 3)
    copy.save()
    return copy


def _unique_copy_name(name: str) -> str:
    taken = {n.lower() for n in SmsProfile.objects.values_list("name", flat=True)}
    for number in range(1, 1000):
        suffix = gettext(" (copy)") if number == 1 else gettext(" (copy %(n)s)") % {"n": number}
        candidate = name[: 100 - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
    raise ValidationError(gettext("Too many copies of this profile."))


@admin.register(SmsSettings)
class SmsSettingsAdmin(admin.ModelAdmin):
    """Settings > SMS Profile: the SMS Settings dialog instead of a list of settings rows."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.has_perm("profiles.view_smsprofile") or user.has_perm(
            "profiles.change_smsprofile"
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("profiles.apply_smsprofile")

    def get_urls(self):
        dialog = self.admin_site.admin_view(self.dialog_view)
        return [path("", dialog, name="profiles_smssettings_changelist")]

    def dialog_view(self, request):
        return views.sms_settings(request, self, self.admin_site._registry[SmsProfile])


from . import admin_data_objects  # noqa: E402,F401
