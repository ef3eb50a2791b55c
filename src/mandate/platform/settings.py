"""Django settings. SQLite by default (embedded, in ./var/); PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import os
import secrets
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
    "mandate.platform",
    "mandate.workplace",
    "mandate.union",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mandate.platform.middleware.SecurityHeadersMiddleware",
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
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("MANDATE_SQLITE", str(DATA_DIR / "mandate.sqlite3")),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
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

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["mandate.platform.formats"]  # dates shown as 23 November 2026

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [p for p in [Path.cwd() / "build" / "booth"] if p.exists()]

MEDIA_ROOT = DATA_DIR / "documents"

EMAIL_BACKEND = os.environ.get("MANDATE_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = "mandate <no-reply@mandate.invalid>"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOG_LEVEL = os.environ.get("MANDATE_LOG_LEVEL", "WARNING").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "mandate.platform.logging.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
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
