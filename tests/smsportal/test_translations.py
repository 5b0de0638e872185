"""The French and German catalogues: complete, faithful to placeholders, and served by the UI."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

from tests.support import need_executable

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("fr", "de")
DOMAINS = ("django", "djangojs")
CATALOGUES = [(lang, domain) for lang in LANGUAGES for domain in DOMAINS]
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "de": "nplurals=2; plural=(n != 1);"}

# %(name)s / %(n)d / %(s).0f, bare %s / %d, {{ data.object | default:"…" }}, {to}, HTML tags.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdfir]|%[sd]"
    r"|\{\{\s*[\w.]+(?:\s*\|[^}]*)?\s*\}\}|\{\w+\}|<[^>]+>"
)
# A trailing default in brackets: "[10]", "[]", "[Query string]".
DEFAULT_IN_BRACKETS = re.compile(r"\[[^\]]*\]$")


def _catalogue(lang: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"))


def _entries(lang: str, domain: str) -> list[polib.POEntry]:
    return [entry for entry in _catalogue(lang, domain) if not entry.obsolete]


def _pairs(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) for each form; plural forms past the first compare to msgid_plural."""
    if not entry.msgid_plural:
        return [(entry.msgid, entry.msgstr)]
    forms = sorted(entry.msgstr_plural.items())
    return [(entry.msgid if n == 0 else entry.msgid_plural, text) for n, text in forms]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """What `make install` does; then forget catalogues this process may have loaded before."""
    call_command("compile_translations", verbosity=0)
    trans_real._translations = {}
    trans_real._default = None


@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_it_translates_every_message(lang, domain):
    catalogue = _catalogue(lang, domain)
    assert catalogue.metadata["Language"] == lang
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS[lang]
    assert not catalogue.metadata_is_fuzzy
    entries = _entries(lang, domain)
    assert entries
    untranslated = [e.msgid for e in entries if not all(text for _, text in _pairs(e))]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    plurals = [e for e in entries if e.msgid_plural]
    assert all(len(e.msgstr_plural) == 2 for e in plurals)


@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_it_keeps_placeholders_tags_and_defaults_in_every_translation(lang, domain):
    broken = []
    for entry in _entries(lang, domain):
        for source, text in _pairs(entry):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                broken.append((source, text))
            if bool(DEFAULT_IN_BRACKETS.search(source)) != bool(DEFAULT_IN_BRACKETS.search(text)):
                broken.append((source, text))
    assert broken == []


def test_it_uses_the_product_vocabulary():
    expected = {
        "SMS Settings": ("Paramètres SMS", "SMS-Einstellungen"),
        "Profile Name": ("Nom du profil", "Profilname"),
        "Select Profile": ("Sélectionner le profil", "Profil auswählen"),
        "Global Configuration": ("Configuration globale", "Globale Konfiguration"),
        "Bind Mode": ("Mode de liaison (bind)", "Bind-Modus"),
        "Sender Mobile Number": ("Numéro mobile de l'expéditeur", "Absender-Mobilnummer"),
        "Ok": ("Ok", "Ok"),
    }
    for lang, index in (("fr", 0), ("de", 1)):
        found = {e.msgid: e.msgstr for e in _entries(lang, "django") if e.msgid in expected}
        assert found == {msgid: words[index] for msgid, words in expected.items()}


def _copy_sources(target: Path) -> None:
    root = Path(settings.BASE_DIR)
    for app in ("smsportal", "profiles", "sending"):
        shutil.copytree(
            root / app,
            target / app,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "migrations", "locale"),
        )


@pytest.mark.parametrize("domain", DOMAINS)
def test_it_has_a_translation_for_every_string_in_the_code(domain, tmp_path, monkeypatch):
    """makemessages over a copy of the code finds no msgid the committed catalogues lack."""
    need_executable("xgettext", "apt-get install gettext")
    _copy_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [tmp_path / "locale"])
    call_command("makemessages", locale=["fr"], domain=domain, verbosity=0)
    fresh = polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / f"{domain}.po"))
    assert len(fresh) > 0
    for lang in LANGUAGES:
        known = {(e.msgctxt, e.msgid) for e in _entries(lang, domain)}
        missing = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known)
        assert missing == [], f"run makemessages and translate these for {lang}"


def _page(client, url: str, **language) -> str:
    response = client.get(url, **language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


SETTINGS_WORDS = {
    "fr": ["Paramètres SMS", "Nom du profil", "Nouveau", "Sélectionner le profil", 'value="Ok"'],
    "de": ["SMS-Einstellungen", "Profilname", "Neu", "Profil auswählen", 'value="Ok"'],
}


@pytest.mark.django_db
def test_it_shows_sms_settings_in_the_language_of_the_cookie(client, superuser):
    client.force_login(superuser)
    for lang, words in SETTINGS_WORDS.items():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        page = _page(client, reverse("admin:profiles_smssettings_changelist"))
        assert f'<html lang="{lang}"' in page
        assert [word for word in words if word not in page] == []
        assert "Select Profile" not in page and "Profile Name" not in page


@pytest.mark.django_db
def test_it_shows_sms_settings_in_the_language_the_browser_asks_for(client, superuser):
    client.force_login(superuser)
    page = _page(
        client, reverse("admin:profiles_smssettings_changelist"), HTTP_ACCEPT_LANGUAGE="de-DE,de"
    )
    assert [word for word in SETTINGS_WORDS["de"] if word not in page] == []


WIZARD_WORDS = {
    "server": {
        "fr": [
            "Détails du serveur SMS",
            "Configuration globale",
            "Mode de liaison (bind)",
            "Mode de traitement",
            "Numéro de port",
            "Enregistrer",
        ],
        "de": [
            "SMS-Serverdetails",
            "Globale Konfiguration",
            "Bind-Modus",
            "Verarbeitungsmodus",
            "Portnummer",
            "Speichern",
        ],
    },
    "message": {
        "fr": ["Numéro mobile de l'expéditeur", "Métadonnées", "Insérer", "Multilingue"],
        "de": ["Absender-Mobilnummer", "Metadaten", "Einfügen", "Mehrsprachig"],
    },
    "advanced": {
        "fr": [
            "Paramètres avancés",
            "Session SMPP",
            "Adressage (TON et NPI)",
            "[10]",
            "Un STATUS=secondes par ligne",
        ],
        "de": [
            "Erweiterte Einstellungen",
            "SMPP-Sitzung",
            "Adressierung (TON und NPI)",
            "[10]",
            "Ein STATUS=Sekunden pro Zeile",
        ],
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("step", sorted(WIZARD_WORDS))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_it_shows_the_wizard_step_in_the_chosen_language(
    client, superuser, make_profile, step, lang
):
    client.force_login(superuser)
    profile = make_profile()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = _page(client, reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, step]))
    assert [word for word in WIZARD_WORDS[step][lang] if word not in page] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            ["Partie %(n)s sur %(total)s", "Rien à envoyer pour l'instant.", "%(count)s parties"],
        ),
        ("de", ["Teil %(n)s von %(total)s", "Noch nichts zu senden.", "%(count)s Teile"]),
    ],
)
def test_it_serves_the_javascript_strings_in_the_chosen_language(client, lang, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(reverse("javascript-catalog"))
    assert response.status_code == 200
    script = response.content.decode()
    assert [word for word in words if json.dumps(word)[1:-1] not in script] == []
    assert PLURAL_FORMS[lang].split("plural=")[1].rstrip(";") in script
