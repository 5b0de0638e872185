"""Which column of a recipient file holds what: the phone number, the language, or the value of
one of the profile's data objects. Guessed from the headers, changed by the user before import.

A mapping is {header: target}; a target is "phone", "language" or "data:<key>"; a header left out
(or mapped to "") is ignored.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

from profiles.message import languages
from profiles.message.placeholders import keys_used
from profiles.models import DataObject

PHONE = "phone"
LANGUAGE = "language"
DATA = "data:"

_PHONE_NAMES = {
    "phone", "phone number", "phonenumber", "mobile", "mobile number", "mobile phone", "cell",
    "cellphone", "cell phone", "msisdn", "number", "tel", "telephone", "to", "recipient", "gsm",
    "numéro", "numero", "téléphone", "telephone portable", "portable", "mobil", "handy",
    "handynummer", "telefon", "telefonnummer", "rufnummer", "mobilnummer",
}  # fmt: skip
_LANGUAGE_NAMES = {"language", "lang", "locale", "langue", "sprache", "idioma", "language code"}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


def profile_keys(profile) -> list[str]:
    """Data object keys the profile's sender and messages use, in order of appearance."""
    texts = [profile.sender or ""] + list(languages.translations(profile).values())
    return list(dict.fromkeys(key for text in texts for key in keys_used(text)))


def target_choices(profile) -> list[tuple[str, str]]:
    """(target, label) for the column selects: the message's keys first, then every data object."""
    objects = {obj.key: obj.label for obj in DataObject.objects.all()}
    used = profile_keys(profile)
    choices = [
        ("", _("(ignore this column)")),
        (PHONE, _("Mobile number")),
        (LANGUAGE, _("Language")),
    ]
    for key in used + [key for key in objects if key not in used]:
        label = f"{objects[key]} ({key})" if key in objects else key
        choices.append((DATA + key, label))
    return choices


def is_country(code: str) -> bool:
    return code.upper() in phonenumbers.SUPPORTED_REGIONS


def phone_column(header: list[str]) -> int | None:
    """Index of the first column whose name says it holds mobile numbers."""
    return next((i for i, column in enumerate(header) if _norm(column) in _PHONE_NAMES), None)


def guess(header: list[str], profile) -> dict[str, str]:
    """The likely target of each column: phone and language by common names (English, French,
    German), data objects by key or label, case-insensitive; each target used once."""
    by_name: dict[str, str] = {}
    for key in profile_keys(profile):
        by_name[_norm(key)] = DATA + key
    for key, label in DataObject.objects.values_list("key", "label"):
        by_name.setdefault(_norm(key), DATA + key)
        by_name.setdefault(_norm(label), DATA + key)
    mapping: dict[str, str] = {}
    for column in header:
        name = _norm(column)
        if name in _PHONE_NAMES:
            target = PHONE
        elif name in _LANGUAGE_NAMES:
            target = LANGUAGE
        else:
            target = by_name.get(name, "")
        if target and target not in mapping.values():
            mapping[column] = target
    return mapping


def validate(mapping: dict[str, str], header: list[str]) -> list[str]:
    """Reasons the mapping cannot be imported with (empty when it can)."""
    problems = []
    targets = [target for column, target in mapping.items() if target and column in header]
    if targets.count(PHONE) != 1:
        problems.append(_("Choose exactly one column that holds the mobile number."))
    for target in dict.fromkeys(targets):
        if targets.count(target) > 1 and target != PHONE:
            name = _("Language") if target == LANGUAGE else target.removeprefix(DATA)
            problems.append(_("Only one column can hold “%(name)s”.") % {"name": name})
    return problems


def columns_for(mapping: dict[str, str], header: list[str]) -> tuple[int, int | None, dict]:
    """(phone column index, language column index or None, {data key: column index})."""
    index = {column: position for position, column in enumerate(header)}
    phone = language = None
    data = {}
    for column, target in mapping.items():
        if column not in index or not target:
            continue
        if target == PHONE:
            phone = index[column]
        elif target == LANGUAGE:
            language = index[column]
        elif target.startswith(DATA):
            data[target.removeprefix(DATA)] = index[column]
    return phone, language, data
