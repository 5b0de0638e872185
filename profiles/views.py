"""SMS Settings: the dialog where profiles are picked, created (New) and applied (Ok)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import CreateStepForm
from .models import SmsProfile, SmsSettings
from .wizard import SESSION_SELECTED, wizard_url


class _ProfileChoice(forms.ModelChoiceField):
    def label_from_instance(self, profile: SmsProfile) -> str:
        label = profile.name
        if profile.pk == self.applied_id:
            label += " — " + _("applied")
        if not profile.is_complete:
            label += " — " + profile.state_label
        return label


class ProfileNameForm(forms.Form):
    profile = _ProfileChoice(
        label=gettext_lazy("Profile Name"), queryset=SmsProfile.objects.none(), empty_label="—"
    )


class SelectProfileForm(forms.Form):
    profile = _ProfileChoice(
        label=gettext_lazy("Select Profile"),
        queryset=SmsProfile.objects.none(),
        empty_label="—",
        help_text=gettext_lazy("Only complete Global Configuration profiles can be applied."),
    )

    def __init__(self, *args, visible, applied_id, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["profile"]
        # Validate against every visible profile so a draft gets its reason, not "invalid".
        field.queryset, field.applied_id = visible, applied_id
        offered = [p for p in visible.filter(is_global=True) if p.is_complete]
        field.choices = [("", "—")] + [(p.pk, field.label_from_instance(p)) for p in offered]
        if not offered:
            field.help_text = gettext_lazy(
                "No profile can be applied yet: finish all four steps of a profile and enable "
                "Global Configuration in step 2."
            )


def sms_settings(request, settings_admin, profile_admin) -> TemplateResponse | HttpResponseRedirect:
    visible = SmsProfile.objects.visible_to(request.user)
    applied = SmsSettings.applied()
    applied_id = applied.pk if applied and applied.visible_to(request.user) else None
    can_add = profile_admin.has_add_permission(request)
    can_apply = settings_admin.has_change_permission(request)
    selected = request.GET.get("profile") or request.session.get(SESSION_SELECTED)
    name_form = ProfileNameForm(initial={"profile": selected})
    name_form.fields["profile"].queryset, name_form.fields["profile"].applied_id = (
        visible,
        applied_id,
    )
    new_form = CreateStepForm(prefix="new")
    select_form = SelectProfileForm(
        prefix="select", visible=visible, applied_id=applied_id, initial={"profile": applied_id}
    )

    if "profile" in request.GET:  # Profile Name: open the wizard for the chosen profile
        name_form = ProfileNameForm(request.GET)
        name_form.fields["profile"].queryset = visible
        name_form.fields["profile"].applied_id = applied_id
        if name_form.is_valid():
            profile = name_form.cleaned_data["profile"]
            request.session[SESSION_SELECTED] = profile.pk
            return HttpResponseRedirect(wizard_url(profile))
    elif request.method == "POST" and "new-name" in request.POST:
        if not can_add:
            raise PermissionDenied
        new_form = CreateStepForm(request.POST, prefix="new")
        if new_form.is_valid() and (response := _create(request, new_form)):
            return response
    elif request.method == "POST":
        if not can_apply:
            raise PermissionDenied
        select_form = SelectProfileForm(
            request.POST, prefix="select", visible=visible, applied_id=applied_id
        )
        if select_form.is_valid() and _apply(request, select_form):
            return HttpResponseRedirect(request.path)

    context = {
        **settings_admin.admin_site.each_context(request),
        "title": _("SMS Settings"),
        "opts": settings_admin.model._meta,
        "name_form": name_form,
        "new_form": new_form,
        "select_form": select_form,
        "applied": applied if applied_id else None,
        "applied_hidden": applied is not None and not applied_id,
        "can_add": can_add,
        "can_apply": can_apply,
        "new_open": new_form.is_bound,
        "profile_count": visible.count(),
    }
    return TemplateResponse(request, "profiles/sms_settings.html", context)


def _create(request, form: CreateStepForm) -> HttpResponseRedirect | None:
    profile = form.save(commit=False)
    profile.owner = request.user
    profile.mark_step_saved(1)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # the same name saved by someone else since the form was checked
        form.add_error("name", _("A profile with this Profile Name already exists."))
        return None
    request.session[SESSION_SELECTED] = profile.pk
    messages.success(
        request,
        _("“%(name)s” is created. Continue with step 2, SMS Server Details, and Save.")
        % {"name": profile.name},
    )
    return HttpResponseRedirect(wizard_url(profile, 2))


def _apply(request, form: SelectProfileForm) -> bool:
    profile = form.cleaned_data["profile"]
    try:
        SmsSettings.load().apply(profile, request.user)
    except ValidationError as exc:
        form.add_error("profile", exc)
        return False
    messages.success(
        request, _("“%(name)s” is applied: SMS are now sent with it.") % {"name": profile.name}
    )
    return True
