"""Settings for the CA+JAD Agreement Tracker.

One module, driven by environment variables. The defaults are a safe laptop set-up
(SQLite file, console e-mail, DEBUG on); production behaviour is switched on by the
environment (see README, "Deploying"). With DEBUG off the app refuses to start without
a real secret key rather than run with a guessable one.
"""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRACKER_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-insecure-secret-key-only-for-a-laptop-never-for-production-000"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(50+ random characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = _DEV_SECRET
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)
# IATI publishing (README, "IATI"): the publisher's organisation identifier, the prefix of every
# activity identifier (e.g. "XM-DAC-701-8"); its name and IATI organisation type (10 Government).
IATI_PUBLISHER_PREFIX = os.environ.get("IATI_PUBLISHER_PREFIX", "XX-CAJAD-TRACKER")
IATI_PUBLISHER_NAME = os.environ.get("IATI_PUBLISHER_NAME", "CA+JAD Agreement Tracker")
IATI_PUBLISHER_TYPE = os.environ.get("IATI_PUBLISHER_TYPE", "10")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: it adds the per-language fields to the admin forms
    "agreements.apps.TrackerAdminConfig",  # django.contrib.admin, with agreements.admin_site's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_countries",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    "agreements",
    "tracker.edge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.edge.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tracker.edge.security.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.edge.security.TwoFactorMiddleware",
    "tracker.edge.timezones.UserTimezoneMiddleware",
    "tracker.edge.languages.UserLanguageMiddleware",
    "agreements.web.own_writes.OwnWritesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the outcome of authentication for lockouts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "agreements.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://tracker:secret@db.internal:5432/tracker; default SQLite.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat of `make run` share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sign-in ----------------------------------------------------------------
AUTH_USER_MODEL = "agreements.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Lockout after AXES_FAILURE_LIMIT failures per user name and, separately, per client address.
# The address is taken by agreements.security.client_ip, which trusts only our own proxies.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.edge.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (0: none, trust REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Sessions end after an idle hour and, whatever the activity, 10 hours after sign-in.
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 3600)
SESSION_ABSOLUTE_TIMEOUT = envint("SESSION_ABSOLUTE_TIMEOUT", 10 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Staff and managers confirm sign-in with a TOTP code (django-otp). Off by default on a laptop.
TRACKER_REQUIRE_2FA = envbool("TRACKER_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "CA+JAD Tracker"
# The admin never shows a TOTP secret or its QR code again, to a superuser neither: whoever reads
# it can produce that person's codes. A lost phone: delete the device; the person enrols anew.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The admin's history pages are for reading. A revert saves the historical copy whole —
# status, version, owner and team — around the workflow and the change form's checks, and
# nothing here needs it: records are corrected in their change form, status moves through the
# workflow. agreements.admin.scoping also refuses a posted revert (this setting only hides the button).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Internationalisation -------------------------------------------------------------
# Each person reads the interface and their e-mails in their own language (User.language; the
# browser's choice until they pick one). Languages are named in their own words in the switcher.
# Adding one: README, "Languages".
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tracker.formats"]  # dates, numbers and the first day of the week per language
# The languages reference data (pillar and focus-area names) has columns for: a new interface language
# needs no migration; it shows the English names until added here (and `makemigrations`).
MODELTRANSLATION_LANGUAGES = ("en", "ru", "ja")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)  # a pillar without a Russian name shows its English one
TIME_ZONE = os.environ.get("TRACKER_TIME_ZONE", "UTC")  # default zone for users without one
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded documents are private: never served from a public URL, only through a view
# that asks the policy module (see agreements.web.views documents).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "documents"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DOCUMENT_MAX_BYTES = envint("DOCUMENT_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
# A hung mail server must not freeze a worker forever (Django's default is no timeout).
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CA+JAD Tracker <tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Production hardening (on whenever DEBUG is off) ----------------------------------
if not DEBUG:
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles and everything else only from this
# server; no inline scripts or styles anywhere; no framing. data: images for the 2FA QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # Failed sign-ins, lockouts and refused accesses (tracker.edge.security, agreements.policy).
        "tracker.security": {"level": "INFO"},
        # Every request made with an API token: who, which token, what (agreements.api.authentication).
        "tracker.api": {"level": "INFO"},
    },
}

# --- Reports cache (agreements.reports.cache) ---------------------------------------------
# The dashboard's figures per user, filters, day and data version: a write anywhere the reports
# read makes the entry unreachable (database triggers), so only the clock can age it, and by at
# most a minute. 0 switches it off. Each process keeps its own (local memory): no shared state to
# invalidate; a cached dashboard is ~0.1 MB (82 KB at 20,000 agreements), so MAX_ENTRIES bounds
# the memory at about 20 MB per process.
REPORTS_CACHE_SECONDS = envint("REPORTS_CACHE_SECONDS", 60)  # at most 60 used: the key holds the minute
# How far behind other people's writes the dashboard's figures may be (seconds; 0 = never behind).
# Every progress update changes the data version, and counting the dashboard again takes ~1 s at
# 20,000 agreements: in a busy hour it would be counted after nearly every write. Within this bound
# a reader gets the last count; their own writes are always counted (agreements.web.own_writes),
# the page says when its figures were counted and offers "Count again". The workbook is always exact.
REPORTS_STALE_SECONDS = envint("REPORTS_STALE_SECONDS", 30)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": envint("REPORTS_CACHE_ENTRIES", 200)},
    },
}

# --- Page cache (agreements.web.page_cache) -------------------------------------------------
# My work, the list, the agreement page and the dashboard per user, path, language, zone, minute and data version,
# under the same rules as the reports cache: a write anywhere they read makes the entry unreachable.
# 0 switches it off. Their own local memory, so pages cannot evict the dashboard's figures; at 20,000
# agreements a page is 30–150 KB (~50 KB typical), so 300 entries hold ~15 MB per process.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 60)  # at most 60 used: the key holds the minute
CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
                   "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_ENTRIES", 300)}}
# The dashboard's panels per count (agreements.reports.cache.count_key): drawn once per count and
# shown again while the count stands, under a page around them drawn afresh. ~100–160 KB each at
# 20,000 agreements: 100 entries hold ~16 MB per process. Their own, so they evict no page.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "OPTIONS": {"MAX_ENTRIES": envint("FRAGMENT_CACHE_ENTRIES", 100)}}

# --- Bulk import (issue 6: agreements.imports / agreements.imports.files) ----------------
# Checked before a file is parsed: its size, and for an XLSX the size it would expand to.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_MB", 10) * 1024 * 1024
# 40 MB: a 20,000-row workbook expands to ~21 MB; openpyxl holds the shared strings in memory
# (~5x their size), so this also bounds a workbook built to be expensive (measured in issue 8).
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_MB", 40) * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 20000)

# --- Celery and reminders (issue 4; see README "Reminders") ----------------------------
from celery.schedules import crontab  # noqa: E402  (kept with the block it belongs to)

# Broker: Redis in production (CELERY_BROKER_URL=redis://host:6379/0). Without it, the
# embedded broker: kombu's filesystem transport in $TRACKER_VAR_DIR/broker, so `make run`
# needs no server (why this one: tracker/celery.py). Results are never stored: the
# Reminder table is the source of truth and Celery messages only wake the sender.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://localhost/"
EMBEDDED_BROKER_DIR = VAR_DIR / "broker"
# Redis re-delivers a task that has been reserved (ETA/countdown included) but not
# acknowledged for longer than this: every retry countdown must stay well below it.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 3600)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(EMBEDDED_BROKER_DIR / "queue"),
        "data_folder_out": str(EMBEDDED_BROKER_DIR / "queue"),
        "processed_folder": str(EMBEDDED_BROKER_DIR / "processed"),
        "control_folder": str(EMBEDDED_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
        # Several apps (or test runs) can share one Redis database under distinct prefixes.
        "global_keyprefix": os.environ.get("CELERY_REDIS_KEY_PREFIX", ""),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "tracker")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge after the task ran, one message reserved at a time: a worker that dies leaves
# its message to the broker instead of taking it along.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A static schedule: the sweep reads the editable ReminderPolicy each time. Every 15 minutes
# so that 09:00 local comes round on time in zones with half- and quarter-hour offsets.
# `expires` drops sweeps that piled up while no worker was running (the next one covers them).
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {
        "task": "agreements.tasks.sweep_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "reminder-dispatch": {
        "task": "agreements.tasks.dispatch_reminders",
        "schedule": float(envint("REMINDER_DISPATCH_SECONDS", 60)),
        "options": {"expires": 55},
    },
}

# Sending (agreements.reminders.delivery). A claim longer than the slowest SMTP exchange (each step
# bounded by EMAIL_TIMEOUT); retries back off exponentially with jitter up to a cap.
REMINDER_CLAIM_SECONDS = envint("REMINDER_CLAIM_SECONDS", 600)
REMINDER_REDISPATCH_SECONDS = envint("REMINDER_REDISPATCH_SECONDS", 300)
REMINDER_RETRY_BASE_SECONDS = envint("REMINDER_RETRY_BASE_SECONDS", 30)
REMINDER_RETRY_MAX_SECONDS = envint("REMINDER_RETRY_MAX_SECONDS", 600)
REMINDER_MAX_ATTEMPTS = envint("REMINDER_MAX_ATTEMPTS", 12)
if REMINDER_RETRY_MAX_SECONDS * 2 > CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "REMINDER_RETRY_MAX_SECONDS must stay below half of CELERY_VISIBILITY_TIMEOUT: Redis re-delivers "
        "a task whose countdown outlasts the visibility timeout, and it would run twice."
    )
if REMINDER_CLAIM_SECONDS < 3 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured("REMINDER_CLAIM_SECONDS must cover a slow SMTP exchange: at least 3 × EMAIL_TIMEOUT.")

# --- Performance (issue 7: bench/run.py) ---------------------------------------------------
# PostgreSQL compiles a query with its JIT when the planner's *estimate* passes jit_above_cost.
# The lists' per-row subqueries (overdue count, next milestone) make estimates large for
# queries that run in a few milliseconds, and compiling them took 20-30 ms each (EXPLAIN
# ANALYZE at 20,000 agreements). Short OLTP queries never gain from it: off for our connections
# (a DATABASE_URL with its own ?options=... keeps them).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# Form widgets rendered through Jinja2 (same HTML, several times faster): see tracker/rendering.py.
FORM_RENDERER = "tracker.rendering.FormRenderer"

# --- Hostile input (issue 8: fuzzing and hostile files; see tracker/edge/bad_requests.py) --------
# A NUL character in the address is refused with a 400 before any view or query runs (after the
# security headers, so the refusal carries them too).
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                  "tracker.edge.bad_requests.RefuseNulMiddleware")
# django-axes records the user name of a failed sign-in as typed; cut to what its tables hold.
AXES_USERNAME_CALLABLE = "tracker.edge.security.axes_username"

# --- The REST API (/api/v1/, agreements.api; README, "API") ---------------------------------------
# Session sign-in (with its CSRF token) for the browser, personal tokens for scripts. The policy
# decides every read and write in the views, as on the pages; nothing is open to the anonymous.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agreements.api.authentication.TokenAuthentication",
        "agreements.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agreements.api.permissions.SignedInWithRole"],
    "DEFAULT_THROTTLE_CLASSES": ["agreements.api.throttling.TokenRateThrottle"],
    # Per token (DRF's throttle scope "token"); sessions are people clicking, not throttled here.
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_TOKEN_RATE", "600/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agreements.api.errors.handle_exception",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CA+JAD Agreement Tracker API",
    "DESCRIPTION": "The agreements of the Central Asia + Japan Dialogue, their milestones and progress. "
                   "The same rules as the pages: you see and change what you may on the site.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "agreements.models.agreement.AgreementKind",
        "OrganizationKindEnum": "agreements.models.reference.Organization.Kind",
        "HealthEnum": "agreements.models.agreement.Health",
        "ReportedHealthEnum": [("on_track", "On track"), ("at_risk", "At risk"), ("off_track", "Off track")],
        "StatusEnum": "agreements.models.agreement.Status",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "agreements.api.schema.add_error_responses"],
}
# Throttle counters in their own memory (not the reports cache, whose MAX_ENTRIES would evict them).
CACHES["throttle"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle",
                      "OPTIONS": {"MAX_ENTRIES": 10_000}}
