"""Step forms whose fields decide where a profile's secrets go (steps 2 and 4).

See profiles/destination.py for the rule; this mixin applies it to a form: for a user who may not
move the profile, the owner-only fields are disabled, and a change posted anyway is refused on the
field. Saving a moved profile drops the secrets not typed again and says so in `warnings`.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..destination import OWNER_ONLY_FIELDS, Binding, may_move

OWNER_ONLY = _("Only the owner of the profile or a superuser can change this.")


class OwnerOnlyFieldsMixin:
    def bind_destination(self, user) -> None:
        self.binding = Binding(self.instance)
        self.locked: list[str] = []
        self.warnings: list[str] = getattr(self, "warnings", [])
        if user is None or may_move(self.instance, user):
            return
        for name in OWNER_ONLY_FIELDS:
            field = self.fields.get(name)
            if field is not None:
                field.disabled = True
                field.help_text = format_lazy("{} {}", field.help_text, OWNER_ONLY)
                self.locked.append(name)

    def refuse_locked_changes(self) -> None:
        """A disabled field is not posted by a browser; a request that posts a different value
        anyway gets a field error rather than a silent no."""
        for name in self.locked:
            key = self.add_prefix(name)
            if key not in self.data:
                continue
            field = self.fields[name]
            raw = field.widget.value_from_datadict(self.data, self.files, key)
            try:
                posted = field.to_python(raw)
            except forms.ValidationError:
                posted = raw
            if posted != field.to_python(self.get_initial_for_field(field, name)):
                self.add_error(name, OWNER_ONLY)

    def drop_secrets_if_moved(self, profile, *, password_typed: bool, headers_typed=()) -> None:
        notes = self.binding.drop_if_moved(
            profile, password_typed=password_typed, headers_typed=headers_typed
        )
        self.warnings += notes

    @property
    def also_saved(self) -> list[str]:
        """Model fields outside this step that the save changed (dropped secrets)."""
        return list(self.binding.dropped_fields)
