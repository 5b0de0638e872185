"""The four-step profile wizard, mounted in the admin (see SmsProfileAdmin.get_urls).

One URL per step. Each step's Save validates and saves that step's fields to the profile, so the
database holds the profile and the wizard keeps nothing in the session between requests. That is
how the traps of a session-backed wizard (django-formtools' SessionWizardView) are avoided on
purpose, each tested in tests/profiles/test_wizard_traps.py:

* A plain GET (reload, bookmark, a second tab) cannot reset anything: it shows what is saved.
* There is no final re-validation of every step: any step of a profile opens directly and saves.
* Two tabs share no storage slot: a POST names its step in its URL and saves only that step's
  fields (update_fields), so two tabs on different steps of one profile do not undo each other.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View
from django.views.generic.base import TemplateResponseMixin

from .forms import AdvancedStepForm, CreateStepForm, MessageStepForm, ServerStepForm
from .gateway_presets import PRESETS
from .models import STEP_FIELDS, STEPS, SmsProfile

STEP_FORMS = {
    "create": CreateStepForm,
    "server": ServerStepForm,
    "message": MessageStepForm,
    "advanced": AdvancedStepForm,
}
STEP_NUMBERS = {slug: number for number, slug in enumerate(STEP_FORMS, start=1)}
STEP_SLUGS = {number: slug for slug, number in STEP_NUMBERS.items()}
SESSION_SELECTED = "sms_settings_selected_profile"


def wizard_url(profile: SmsProfile, step: str | int | None = None) -> str:
    """The deep link to one step; a draft opens where it stopped, a complete profile at step 2."""
    if step is None:
        step = profile.next_step or 2
    slug = STEP_SLUGS.get(step, step)
    return reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, slug])


class ProfileWizard(TemplateResponseMixin, View):
    model_admin = None  # the SmsProfileAdmin, given to as_view()

    def dispatch(self, request, *args, **kwargs):
        step, pk = kwargs.get("step"), kwargs.get("pk")
        if step not in STEP_NUMBERS or (pk is None and step != "create"):
            raise Http404(_("No such wizard step."))
        self.step = step
        if pk is None:
            if not self.model_admin.has_add_permission(request):
                raise PermissionDenied
            self.profile, self.can_change = SmsProfile(owner=request.user), True
        else:
            # Someone else's private profile does not exist as far as this user can tell.
            queryset = SmsProfile.objects.visible_to(request.user)
            self.profile = get_object_or_404(queryset, pk=pk)
            if not self.model_admin.has_view_or_change_permission(request, self.profile):
                raise PermissionDenied
            self.can_change = self.model_admin.has_change_permission(request, self.profile)
        if request.method == "POST" and not self.can_change:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        """Validate and save the step of the URL only."""
        form = self.get_form(data=request.POST, files=request.FILES)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing was saved."))
            return self.render(form)
        try:
            with transaction.atomic():
                self.save_step(form)
        except IntegrityError:  # a profile of the same name was saved since the form was checked
            form.add_error("name", _("A profile with this Profile Name already exists."))
            return self.render(form)
        return HttpResponseRedirect(self._url_after_save())

    def save_step(self, form) -> None:
        """Save the step's fields and mark the step saved."""
        number = STEP_NUMBERS[self.step]
        profile = form.save(commit=False)
        if profile.pk is None:
            profile.owner = self.request.user
            profile.mark_step_saved(number)
            profile.save()
        else:
            profile.save(update_fields=[*STEP_FIELDS[number], "updated_at"])
            # OR-ing in SQL: another tab may have saved another step meanwhile.
            SmsProfile.objects.filter(pk=profile.pk).update(
                saved_steps=F("saved_steps").bitor(1 << (number - 1))
            )
            profile.refresh_from_db(fields=["saved_steps"])
        if hasattr(form, "save_m2m"):
            form.save_m2m()
        self.profile = profile
        self.request.session[SESSION_SELECTED] = profile.pk
        messages.success(
            self.request,
            _("Step %(number)s, “%(title)s”, is saved.")
            % {"number": number, "title": STEPS[number]},
        )
        for warning in getattr(form, "warnings", []):
            messages.warning(self.request, warning)

    def _url_after_save(self) -> str:
        number = STEP_NUMBERS[self.step]
        if "_finish" in self.request.POST:
            if self.profile.is_complete:
                messages.info(
                    self.request,
                    _("“%(name)s” is complete. Select it in Select Profile and press Ok to apply.")
                    % {"name": self.profile.name},
                )
            return reverse("admin:profiles_smssettings_changelist")
        if "_continue" in self.request.POST and number < len(STEPS):
            number += 1
        return wizard_url(self.profile, number)

    # -- what each step shows --------------------------------------------------------------
    def get_form(self, data=None, files=None):
        form_class = STEP_FORMS[self.step]
        form = form_class(data=data, files=files, prefix=self.step, instance=self.profile)
        if not self.can_change:
            forms = [form, *getattr(getattr(form, "headers_formset", None), "forms", [])]
            for each in forms:
                for field in each.fields.values():
                    field.disabled = True
        return form

    def get_template_names(self):
        return [f"profiles/wizard/step_{self.step}.html", "profiles/wizard/base.html"]

    def render(self, form):
        return self.render_to_response(self.get_context_data(form))

    def get_context_data(self, form) -> dict:
        number = STEP_NUMBERS[self.step]
        admin = self.model_admin
        return dict(
            admin.admin_site.each_context(self.request),
            form=form,
            step=self.step,
            opts=admin.model._meta,
            profile=self.profile,
            step_number=number,
            step_title=STEPS[number],
            title=STEPS[number],
            subtitle=self.profile.name or _("New profile"),
            step_links=self._step_links(number),
            previous_url=self._neighbour_url(number - 1),
            next_url=self._neighbour_url(number + 1),
            can_change=self.can_change,
            is_last_step=number == len(STEPS),
            sms_settings_url=reverse("admin:profiles_smssettings_changelist"),
            presets=PRESETS,
            test_connection_url=(
                reverse("admin:sending_test_connection", args=[self.profile.pk])
                if self.profile.pk and self.profile.is_step_saved(2)
                else ""
            ),
        )

    def _neighbour_url(self, number: int) -> str:
        if self.profile.pk is None or number not in STEPS:
            return ""
        return wizard_url(self.profile, number)

    def _step_links(self, current: int) -> list[dict]:
        return [
            {
                "number": number,
                "title": title,
                "url": self._neighbour_url(number),
                "saved": self.profile.pk is not None and self.profile.is_step_saved(number),
                "current": number == current,
            }
            for number, title in STEPS.items()
        ]
