"""The four-step profile wizard, mounted in the admin (see SmsProfileAdmin.get_urls).

Every step is saved to the database by its own Save, so the database — not the wizard's session
storage — holds the profile. That is how the three formtools traps are handled on purpose:

* A plain GET resets the storage: a GET without a known `run` starts a new run, which loses
  nothing because every saved step is already in the database; the redirect after a Save carries
  `?run=` so the run (and its storage) continues.
* Jumping to an unvisited step would fail formtools' final re-validation of all steps: there is
  none here. Each POST validates and saves only the step it came from, so any step of a profile
  can be opened directly (one URL per step) and saved.
* Two tabs share one storage slot: the storage prefix holds the profile and a random id per run,
  sent back in a hidden field, so each tab has its own slot. Saves write only their step's
  fields (update_fields), so two tabs on different steps of one profile do not undo each other.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import SessionWizardView

from .forms import AdvancedStepForm, CreateStepForm, MessageStepForm, ServerStepForm
from .gateway_presets import PRESETS
from .models import STEP_FIELDS, STEPS, SmsProfile

STEP_NUMBERS = {"create": 1, "server": 2, "message": 3, "advanced": 4}
STEP_SLUGS = {number: slug for slug, number in STEP_NUMBERS.items()}
SESSION_SELECTED = "sms_settings_selected_profile"
_RUN_ID = re.compile(r"^[0-9a-f]{12}$")
_STORAGE_KEY = "wizard_profile_"
_MAX_RUNS = 20  # storage slots kept per session; older runs are dropped


def wizard_url(profile: SmsProfile, step: str | int | None = None, run: str = "") -> str:
    """The deep link to one step; a draft opens where it stopped, a complete profile at step 2."""
    if step is None:
        step = profile.next_step or 2
    slug = STEP_SLUGS.get(step, step)
    url = reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, slug])
    return f"{url}?{urlencode({'run': run})}" if run else url


class ProfileWizard(SessionWizardView):
    form_list = [
        ("create", CreateStepForm),
        ("server", ServerStepForm),
        ("message", MessageStepForm),
        ("advanced", AdvancedStepForm),
    ]
    model_admin = None  # the SmsProfileAdmin, given to as_view()

    # -- set-up: the profile, permissions and a storage slot per run -------------------------
    def get_prefix(self, request, *args, **kwargs) -> str:
        run = request.POST.get("wizard_run") or request.GET.get("run") or ""
        if not _RUN_ID.match(run):
            run = uuid.uuid4().hex[:12]
        self.run = run
        prefix = f"profile_{kwargs.get('pk') or 'new'}_{run}"
        self.run_is_new = f"wizard_{prefix}" not in request.session
        if self.run_is_new:
            _drop_old_runs(request.session)
        return prefix

    def dispatch(self, request, *args, **kwargs):
        step, pk = kwargs.get("step"), kwargs.get("pk")
        if step not in STEP_NUMBERS or (pk is None and step != "create"):
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
        if request.method == "POST" and not self.can_change:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    # -- GET: open the step named in the URL -----------------------------------------------
    def get(self, request, *args, **kwargs):
        if self.run_is_new:
            self.storage.reset()
        self.storage.current_step = kwargs["step"]
        return self.render(self.get_form())

    # -- POST: validate and save this step only --------------------------------------------
    def post(self, *args, **kwargs):
        step = kwargs["step"]
        management_form = ManagementForm(self.request.POST, prefix=self.prefix)
        if not management_form.is_valid() or management_form.cleaned_data["current_step"] != step:
            raise SuspiciousOperation("Wizard management form missing or for another step.")
        self.storage.current_step = step
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        if not form.is_valid():
            messages.error(self.request, _("Please correct the errors below; nothing was saved."))
            return self.render(form)
        try:
            with transaction.atomic():
                self.storage.set_step_data(step, self.process_step(form))
        except IntegrityError:  # a profile of the same name was saved since the form was checked
            form.add_error("name", _("A profile with this Profile Name already exists."))
            return self.render(form)
        return HttpResponseRedirect(self._url_after_save(step))

    def process_step(self, form) -> dict:
        """Save the step's fields, mark the step saved; keep no secret in the session."""
        number = STEP_NUMBERS[self.steps.current]
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
        messages.success(
            self.request,
            _("Step %(number)s, “%(title)s”, is saved.")
            % {"number": number, "title": STEPS[number]},
        )
        for warning in getattr(form, "warnings", []):
            messages.warning(self.request, warning)
        return {"saved": [str(number)]}

    def _url_after_save(self, step: str) -> str:
        number = STEP_NUMBERS[step]
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
        return wizard_url(self.profile, number, run=self.run)

    # -- what each step shows --------------------------------------------------------------
    def get_form_instance(self, step):
        return self.profile

    def get_form_kwargs(self, step=None):
        # Steps 2 and 4 hold the fields only the owner may change (profiles/destination.py).
        return {"user": self.request.user} if step in ("server", "advanced") else {}

    def get_form(self, step=None, data=None, files=None):
        form = super().get_form(step, data, files)
        if not self.can_change:
            forms = [form, *getattr(getattr(form, "headers_formset", None), "forms", [])]
            for each in forms:
                for field in each.fields.values():
                    field.disabled = True
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
            step_number=number,
            step_title=STEPS[number],
            title=STEPS[number],
            subtitle=self.profile.name or _("New profile"),
            step_links=self._step_links(number),
            previous_url=self._neighbour_url(number - 1),
            next_url=self._neighbour_url(number + 1),
            run=self.run,
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


def _drop_old_runs(session) -> None:
    keys = [key for key in session.keys() if key.startswith(_STORAGE_KEY)]
    for key in keys[: max(0, len(keys) - _MAX_RUNS + 1)]:
        del session[key]
