"""The four-step profile wizard: django-formtools' NamedUrlSessionWizardView, one address per step,
mounted in the admin (SmsProfileAdmin.get_urls).

Every step is saved as the user goes: process_step() writes the step's fields to the profile
(update_fields). The database holds the profile; formtools' session storage holds one *run* of
the wizard: its current step and the steps posted in it, without secrets, which the final
re-validation before done() checks again. The three traps of a session wizard are handled on
purpose, each tested in tests/profiles/test_wizard_traps.py:

* A plain GET resets the storage: a request without a known run id starts a new run with empty
  storage. That loses nothing, since every saved step is in the database; redirects and step
  links carry ``?run=`` so that a run goes on.
* Finishing re-validates every step, also the ones never visited in this run: a step without
  data in this run is checked as saved in the database (its form with every field disabled
  validates the saved values). A step never saved fails, and the user is sent to it.
* Two tabs would share one storage slot: the prefix holds the profile and a random id per run,
  sent back in a hidden field (as pretix's SafeSessionWizardView does), so each tab has its own.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from formtools.wizard.views import NamedUrlSessionWizardView

from .forms import AdvancedStepForm, CreateStepForm, MessageStepForm, ServerStepForm
from .gateway_presets import PRESETS
from .models import STEP_FIELDS, STEPS, SmsProfile

STEP_NUMBERS = {"create": 1, "server": 2, "message": 3, "advanced": 4}
STEP_SLUGS = {number: slug for slug, number in STEP_NUMBERS.items()}
DONE = "done"  # formtools' done step: finishing re-validates every step, then done()
SESSION_SELECTED = "sms_settings_selected_profile"
_RUN_ID = re.compile(r"[0-9a-f]{12}")
_STORAGE_KEY = "wizard_profile_"
_MAX_RUNS = 20  # storage slots kept per session; the oldest runs are dropped


def wizard_url(profile: SmsProfile, step: str | int | None = None, run: str = "") -> str:
    """The deep link to one step; a draft opens where it stopped, a complete profile at step 2."""
    if step is None:
        step = profile.next_step or 2
    slug = STEP_SLUGS.get(step, step)
    if profile.pk is None:
        url = reverse("admin:profiles_smsprofile_wizard_new", args=[slug])
    else:
        url = reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, slug])
    return f"{url}?{urlencode({'run': run})}" if run else url


class ProfileWizard(NamedUrlSessionWizardView):
    form_list = [
        ("create", CreateStepForm),
        ("server", ServerStepForm),
        ("message", MessageStepForm),
        ("advanced", AdvancedStepForm),
    ]
    model_admin = None  # the SmsProfileAdmin, given to as_view()
    finishing = False  # True while formtools re-validates every step before done()

    # -- set-up: the profile, permissions and a storage slot per run -------------------------
    def dispatch(self, request, *args, **kwargs):
        step, pk = kwargs.get("step"), kwargs.get("pk")
        if step not in [*STEP_NUMBERS, DONE] or (pk is None and step != "create"):
            raise Http404(_("No such wizard step."))
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
        if (request.method == "POST" or step == DONE) and not self.can_change:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs) -> str:
        run = request.POST.get("wizard_run") or request.GET.get("run") or ""
        if not _RUN_ID.fullmatch(run):
            run = get_random_string(12, "0123456789abcdef")
        self.run = run
        prefix = f"profile_{self.profile.pk or 'new'}_{run}"
        if f"wizard_{prefix}" not in request.session:
            _drop_old_runs(request.session)
        return prefix

    def get_step_url(self, step: str) -> str:
        return wizard_url(self.profile, step, run=self.run)

    def get_form_instance(self, step):
        return self.profile

    # -- POST: formtools validates the step, process_step() saves it -------------------------
    def post(self, *args, **kwargs):
        # The URL names the step, as the management form does. Checked here, because formtools
        # would take a post into a reset run (after done()) for the first step.
        step = self.request.POST.get(f"{self.prefix}-current_step")
        if step != kwargs["step"] or step not in self.form_list:
            raise SuspiciousOperation("The wizard's management form names another step.")
        self.storage.current_step = step
        return super().post(*args, **kwargs)

    def process_step(self, form) -> dict:
        """Save the step's fields and mark the step saved; return what the run keeps of it."""
        number = STEP_NUMBERS[self.steps.current]
        try:
            with transaction.atomic():
                self._save(form, number)
        except IntegrityError:  # a profile of the same name was saved since the form was checked
            form.add_error("name", _("A profile with this Profile Name already exists."))
            return self.storage.get_step_data(self.steps.current)
        messages.success(
            self.request,
            _("Step %(number)s, “%(title)s”, is saved.")
            % {"number": number, "title": STEPS[number]},
        )
        for warning in getattr(form, "warnings", []):
            messages.warning(self.request, warning)
        # The session keeps the posted step for the final re-validation, never a secret.
        secret = {
            field.html_name
            for each in _forms_of(form)
            for field in each
            if isinstance(field.field.widget, forms.PasswordInput)
        }
        return {
            key: values
            for key, values in form.data.lists()
            if key.startswith(f"{form.prefix}-") and key not in secret
        }

    def _save(self, form, number: int) -> None:
        profile = form.save(commit=False)
        if profile.pk is None:
            profile.owner = self.request.user
            profile.mark_step_saved(number)
            profile.save()
        else:
            also = getattr(form, "also_saved", [])  # secrets dropped because the server changed
            profile.save(update_fields=[*STEP_FIELDS[number], *also, "updated_at"])
            # OR-ing in SQL: another tab may have saved another step meanwhile.
            SmsProfile.objects.filter(pk=profile.pk).update(
                saved_steps=F("saved_steps").bitor(1 << (number - 1))
            )
            profile.refresh_from_db(fields=["saved_steps"])
        if hasattr(form, "save_m2m"):
            form.save_m2m()
        self.profile = profile
        self.request.session[SESSION_SELECTED] = profile.pk

    def render_next_step(self, form, **kwargs):
        """After a step is saved: Save stays on it, Save and continue goes to the next one."""
        if form.errors:  # the save failed after all (see process_step)
            return self.render(form)
        if "_continue" in self.request.POST:
            return super().render_next_step(form, **kwargs)
        return redirect(self.get_step_url(self.steps.current))

    # -- finishing: re-validate every step, then done() ----------------------------------------
    def render_done(self, form, **kwargs):
        if self.request.method == "POST" and "_finish" not in self.request.POST:
            return self.render_next_step(form, **kwargs)  # Save on the last step stays there
        self.finishing = True
        return super().render_done(form, **kwargs)

    def render_revalidation_failure(self, failed_step, form, **kwargs):
        number = STEP_NUMBERS[failed_step]
        messages.error(
            self.request,
            _("Step %(number)s, “%(title)s”, is not saved or not valid: check it and Save.")
            % {"number": number, "title": STEPS[number]},
        )
        return super().render_revalidation_failure(failed_step, form, **kwargs)

    def done(self, form_list, **kwargs):
        """Every step is saved and valid: back to SMS Settings, where the profile is applied."""
        messages.info(
            self.request,
            _("“%(name)s” is complete. Select it in Select Profile and press Ok to apply.")
            % {"name": self.profile.name},
        )
        return redirect("admin:profiles_smssettings_changelist")

    # -- what each step shows --------------------------------------------------------------
    def get_form_kwargs(self, step=None):
        # Steps 2 and 4 hold the fields only the owner may change (profiles/destination.py).
        return {"user": self.request.user} if step in ("server", "advanced") else {}

    def get_form(self, step=None, data=None, files=None):
        step = step or self.steps.current
        as_saved = (
            self.finishing and data is None and self.profile.is_step_saved(STEP_NUMBERS[step])
        )
        if as_saved:  # a step this run did not post: validate the values in the database
            data = _management_data(super().get_form(step))
        form = super().get_form(step, data, files)
        if as_saved or not self.can_change:
            for each in _forms_of(form):
                for field in each.fields.values():
                    field.disabled = True  # a disabled field takes its value from the profile
        return form

    def get_template_names(self):
        return [f"profiles/wizard/step_{self.steps.current}.html", "profiles/wizard/base.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        number = STEP_NUMBERS[self.steps.current]
        admin = self.model_admin
        context.update(
            admin.admin_site.each_context(self.request),
            opts=admin.model._meta,
            profile=self.profile,
            run=self.run,
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
                if self.profile.pk and self.profile.is_step_saved(2) and self.can_change
                else ""
            ),
        )
        return context

    def _neighbour_url(self, number: int) -> str:
        if self.profile.pk is None or number not in STEPS:
            return ""
        return wizard_url(self.profile, number, run=self.run)

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


def _forms_of(form) -> list:
    """The step's form and the forms of its formset (step 4's headers)."""
    formset = getattr(form, "headers_formset", None)
    return [form, *(formset.forms if formset is not None else [])]


def _management_data(form) -> dict:
    """The data an unchanged submit of `form` needs besides its fields: formset row counts."""
    formset = getattr(form, "headers_formset", None)
    if formset is None:
        return {}
    return {field.html_name: field.value() for field in formset.management_form}


def _drop_old_runs(session) -> None:
    keys = [key for key in session.keys() if key.startswith(_STORAGE_KEY)]
    for key in keys[: max(0, len(keys) - _MAX_RUNS + 1)]:
        del session[key]
