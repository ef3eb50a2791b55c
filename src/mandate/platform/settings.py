"""Django settings. SQLite by default (embedded, in ./var/); PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MANDATE_DATA_DIR", Path.cwd() / "var"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder (never logged)."""
    if os.environ.get("MANDATE_SECRET_KEY"):
        return os.environ["MANDATE_SECRET_KEY"]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("MANDATE_DEBUG", "0") == "1"  # never on by default: its error page shows data
ALLOWED_HOSTS = os.environ.get("MANDATE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mandate.platform",
    "mandate.workplace",
    "mandate.union",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mandate.platform.middleware.DatabaseUnavailableMiddleware",  # a database down: 503, try again; never a 500
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, compressed and with hashed names
    "mandate.platform.middleware.UploadLimitMiddleware",  # before anything reads the body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mandate.platform.middleware.SecurityHeadersMiddleware",
    "mandate.platform.middleware.NoStoreMiddleware",
    "mandate.platform.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused sign-in into the lockout page
]

ROOT_URLCONF = "mandate.platform.urls"
WSGI_APPLICATION = "mandate.platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mandate.platform.roles.roles_context",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60,
                                                        conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("MANDATE_SQLITE", str(DATA_DIR / "mandate.sqlite3")),
            # The embedded default, used by several processes at once (web workers and job workers): WAL lets
            # readers run beside the one writer; a writer waits up to 20 s for another instead of failing with
            # "database is locked"; IMMEDIATE takes the write lock when a transaction begins, so a transaction
            # that reads and then writes never fails part-way when another wrote meanwhile (which no timeout
            # helps). Long work runs in jobs outside any transaction, so no one waits for long.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }


def database_host() -> str:
    """The host a DATABASE_URL names, for the one-line error when it cannot be reached."""
    if not DATABASE_URL:
        return "SQLite " + str(DATABASES["default"]["NAME"])
    parsed = urlparse(DATABASE_URL)
    return f"{parsed.hostname}:{parsed.port or 5432}"


DATABASE_HOST = database_host()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Demo and tests hash thousands of passwords; the fast hasher is chosen only when asked for.
if os.environ.get("MANDATE_FAST_PASSWORDS") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# -- defences (issue 12): sign-in throttling, two-factor sign-in, upload limits, the audit key ----------------
AUTHENTICATION_BACKENDS = [
    "mandate.platform.throttle.ThrottleBackend",  # django-axes: refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("MANDATE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MANDATE_LOGIN_COOLOFF_MINUTES", "15")))
# Counted per account and, separately, per address: five wrong passwords for one account lock that account
# from every address, and five from one address lock that address for every account (password spraying).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # axes' own log lines name the username and address; failures go to the audit log
AXES_DISABLE_ACCESS_LOG = True  # no second table of every sign-in's address and browser: the audit log is the record
# Password reset requests: at most this many per address, and per e-mail address, in the window.
MANDATE_RESET_LIMIT = int(os.environ.get("MANDATE_RESET_LIMIT", "5"))
MANDATE_RESET_WINDOW = timedelta(minutes=int(os.environ.get("MANDATE_RESET_WINDOW_MINUTES", "60")))

# The demo (MANDATE_DEMO=1) switches two-factor sign-in off, and its sign-in page says so.
MANDATE_DEMO = os.environ.get("MANDATE_DEMO", "0") == "1"
# Roles whose accounts must sign in with a one-time code (TOTP) as well as the password. An administrator
# changes this per role in the admin (Two-factor requirements); a comma-separated MANDATE_REQUIRE_2FA_ROLES
# replaces the default list ("" for none).
_2FA_DEFAULT = "union_official,scrutineer,trustee,hr_admin"
MANDATE_REQUIRE_2FA_ROLES = [] if MANDATE_DEMO else [
    r.strip() for r in os.environ.get("MANDATE_REQUIRE_2FA_ROLES", _2FA_DEFAULT).split(",") if r.strip()]
MANDATE_REQUIRE_2FA_SUPERUSERS = not MANDATE_DEMO and os.environ.get("MANDATE_REQUIRE_2FA_SUPERUSERS", "1") == "1"
OTP_TOTP_ISSUER = "mandate"

# Uploads: a request body over MANDATE_MAX_UPLOAD is refused (413) before it is read; form fields other than
# files are capped at 10 MB; a file over 2.5 MB is streamed to a temporary file, never held in memory; and each
# upload form refuses a file over its own limit, in words (MANDATE_UPLOAD_LIMITS, in MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
MANDATE_MAX_UPLOAD = int(os.environ.get("MANDATE_MAX_UPLOAD_MB", "100")) * 1024 * 1024
MANDATE_UPLOAD_LIMITS = {"ledger": 50, "register": 50, "returns": 10}
# An uploaded file a background job imports waits here for the worker, owner-only, and is removed when the job
# has finished. With servers and workers on several machines, point it at a folder they all share.
MANDATE_UPLOAD_DIR = Path(os.environ.get("MANDATE_UPLOAD_DIR", DATA_DIR / "uploads"))
MANDATE_UPLOAD_KEEP_SECONDS = float(os.environ.get("MANDATE_UPLOAD_KEEP_SECONDS", 2 * 24 * 3600))  # then removed

# The Ed25519 key that signs checkpoints of the audit log's head: a file outside the database.
MANDATE_AUDIT_KEY = Path(os.environ.get("MANDATE_AUDIT_KEY", DATA_DIR / "audit_signing_key"))
MANDATE_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("MANDATE_AUDIT_CHECKPOINT_EVERY", "100"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["mandate.platform.formats"]  # dates shown as 23 November 2026

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"  # `mandate serve` collects into it; WhiteNoise serves it
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [p for p in [Path.cwd() / "build" / "booth"] if p.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `mandate serve` (MANDATE_STATIC_MANIFEST=1): WhiteNoise's compressed manifest storage (gzip and Brotli
    # copies, content-hashed names). Everything else (tests, `mandate serve --dev`, manage commands): plain
    # names from the apps' folders, so that a manifest left by an earlier `serve` never names stale files.
    "staticfiles": {"BACKEND": "mandate.platform.staticfiles.StaticStorage"
                    if os.environ.get("MANDATE_STATIC_MANIFEST") == "1"
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MEDIA_ROOT = DATA_DIR / "documents"

# Outgoing mail: one URL (platform/mail.py), e.g. smtp://user:password@host:587?tls=1; files in var/mail/ by default.
from mandate.platform.mail import email_settings  # noqa: E402

_email = email_settings(os.environ.get("MANDATE_EMAIL_URL", ""), DATA_DIR / "mail")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", DATA_DIR / "mail")
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("MANDATE_EMAIL_FROM", "mandate <no-reply@mandate.invalid>")
# Text messages (platform/sms.py): files in var/sms/ by default, or twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+44...
SMS_URL = os.environ.get("MANDATE_SMS_URL", "")
SMS_FILE_PATH = DATA_DIR / "sms"

# Background jobs (platform/jobs.py): Django's Tasks API (django-tasks) on the database backend, so the queue
# is the application's own database, SQLite or PostgreSQL; `mandate worker` runs them. MANDATE_TASKS=immediate
# runs each job inside the call that starts it (the test suite's default; never for a real deployment).
TASKS = {
    "default": {
        "BACKEND": ("django_tasks.backends.immediate.ImmediateBackend"
                    if os.environ.get("MANDATE_TASKS") == "immediate" else "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail"],
    }
}
JOB_HEARTBEAT_SECONDS = float(os.environ.get("MANDATE_JOB_HEARTBEAT_SECONDS", "5"))  # 0: none (tests in one process)
# A running job whose worker has not been heard from for this long is retried (or, after the last attempt,
# reported as failed on its page): a killed worker's job is never lost silently.
JOB_STALE_SECONDS = float(os.environ.get("MANDATE_JOB_STALE_SECONDS", "60"))
JOB_MAX_ATTEMPTS = int(os.environ.get("MANDATE_JOB_MAX_ATTEMPTS", "3"))

# Deployment behind TLS (a reverse proxy terminating HTTPS): MANDATE_SECURE=1 turns on every setting below;
# each can also be set alone. MANDATE_CSRF_TRUSTED_ORIGINS lists the public origins (https://mandate.example.org).
SECURE = os.environ.get("MANDATE_SECURE", "0") == "1"


def _flag(name: str, default: bool = SECURE) -> bool:
    value = os.environ.get(name)
    return default if value is None else value == "1"


SESSION_COOKIE_SECURE = _flag("MANDATE_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _flag("MANDATE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("MANDATE_HSTS_SECONDS", str(31_536_000 if SECURE else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("MANDATE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("MANDATE_HSTS_PRELOAD")
# The proxy in front sets X-Forwarded-Proto: https (and must strip it from clients' requests).
if _flag("MANDATE_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("MANDATE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOG_LEVEL = os.environ.get("MANDATE_LOG_LEVEL", "WARNING").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "mandate.platform.logging.RedactSecrets"},
                "refusals": {"()": "mandate.platform.logging.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals", "redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers get the same handler instead of Django's defaults (a console handler and an e-mail to
    # ADMINS with the traceback), which do not pass through the filter. The development server's request lines
    # stay at INFO. The SQL log (django.db.backends, DEBUG) is never on: it prints each query's values, members'
    # names and addresses among them; connection.queries still has them under MANDATE_DEBUG=1.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO" if LOG_LEVEL in ("DEBUG", "NOTSET") else LOG_LEVEL},
    },
}
