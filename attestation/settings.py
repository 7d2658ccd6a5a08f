"""Settings, driven by environment variables (see README, "Configuration").

The embedded default needs nothing: SQLite in ./var, a filesystem Celery broker, console e-mail.
Set DATABASE_URL / REDIS_URL to use PostgreSQL and Redis, ATTESTATION_PRODUCTION=1 for production.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    """True for 1/true/yes/on (any case); the default when the variable is unset or empty."""
    value = os.environ.get(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PRODUCTION = envbool("ATTESTATION_PRODUCTION", False)
# pytest (8.2+) announces itself; tests keep their database, files and broker apart from the demo's.
TESTING = bool(env("PYTEST_VERSION"))
DEBUG = envbool("DEBUG", not PRODUCTION and not TESTING)
VAR_DIR = Path(env("ATTESTATION_VAR_DIR", str(BASE_DIR / ("var/test" if TESTING else "var"))))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    # Development only: never used when ATTESTATION_PRODUCTION is on.
    SECRET_KEY = "dev-insecure-" + "k" * 50

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Absolute address printed in QR codes and verification links of generated documents.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "attestation",
    "grading",
    "commissions",
    "appeals",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "attestation.tenancy.TenantMiddleware",
    "attestation.accounts.MfaEnrollmentMiddleware",
]

ROOT_URLCONF = "attestation.urls"
WSGI_APPLICATION = "attestation.wsgi.application"
AUTH_USER_MODEL = "attestation.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "attestation.tenancy.college_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# Persistent connections: without them a page pays a new connection every request (bench/pages.py).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The worker and the web server write to the same file: take the write lock up front
        # and wait for it instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that Celery workers started by the tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # attestation.cache.RedisCache tolerates an outage (this process's memory meanwhile); short timeouts so that a
    # Redis that went away costs a request a second at most, once.
    CACHES = {"default": {"BACKEND": "attestation.cache.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Fragments that are a pure function of their key (the menus of base.html: college, role, language, user), kept in
# each process: a shared cache would cost a round trip on every page for nothing (bench/pages.py).
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "OPTIONS": {"MAX_ENTRIES": 5000}}

# Sessions live in the database only: a cached copy would outlive a sign-out that could not reach Redis during an
# outage, and pages must work while Redis is down (DESIGN.md).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost//"
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # The exchange tables, which kombu otherwise writes to ./control wherever the process was started.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # Kombu looks at the folder once a second by default: a batch's chunks then waited up to a second each, the
        # cores idle (bench/grading_decisions.py), and a single PDF took a second longer to appear in the demo. At
        # 0.1 s a batch still started 0.1 s late, twice (its own task, then its first chunk's); a look at an empty
        # folder costs the worker a few microseconds, fifty times a second.
        "polling_interval": 0.02,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message whose worker vanished without a word comes back after this many seconds.
        # Work a worker had started is resumed sooner, by the lease on its row (ATTESTATION_LEASE_SECONDS); this only
        # brings back what a worker that died hard had received and not yet started.
        "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "120")),
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
# Tests run tasks inline unless they start real workers (tests/worker.py); the portal never does.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
# Each worker process keeps a few documents in hand, so it starts the next render without waiting for
# the broker (a 30 ms gap per document otherwise; bench/pipeline.py). Renders are short, so holding a
# few back from another worker costs little.
CELERY_WORKER_PREFETCH_MULTIPLIER = int(env("CELERY_WORKER_PREFETCH_MULTIPLIER", "4"))
# WeasyPrint workers grow with every document (~0.04 MB each with DEBUG off, bench/pipeline.py; five times that
# with DEBUG's query log): recycle them after 300 tasks (a batch's task renders a few documents) or once a process
# holds 250 MB, whichever comes first.
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(env("CELERY_WORKER_MAX_TASKS_PER_CHILD", "300"))
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(env("CELERY_WORKER_MAX_MEMORY_PER_CHILD", "250000"))  # KiB
# Celery's Django fixup closes the database connection before and after every task unless told to reuse it: a new
# PostgreSQL connection per document cost more than the document's own queries (bench/grading_decisions.py). The
# worker keeps its connection and treats each task like a request instead (attestation.celery: CONN_MAX_AGE and
# the health check decide when to reconnect).
CELERY_DB_REUSE_MAX = 10**9
# Never hold a web request hostage to a broker outage: publish once, the relay retries later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker went away waits for it, however long (Celery gives up after 100 tries by default and the
# worker exits), and what it was running is handed back to the queue rather than left unacknowledgeable.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A render or a decisions batch holds a lease on its row while it runs, renewed as it goes: a worker that died
# hard lets it lapse, and the relays (beat, every 20 s) resume the work within a lease and a relay period.
ATTESTATION_LEASE_SECONDS = int(env("ATTESTATION_LEASE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "documents-relay": {"task": "attestation.tasks.documents_relay", "schedule": 20.0},
    "decision-batches-relay": {"task": "grading.tasks.decision_batches_relay", "schedule": 20.0},
    # APP-04: remind appeal commissions the working day before a decision is due (idempotent, hourly).
    "appeals-remind-due": {"task": "appeals.tasks.appeals_remind_due", "schedule": 3600.0},
}
CELERY_TIMEZONE = "Asia/Almaty"

# OQ-11: the appeal window counts from the later of the attestation and the announcement of its results
# (recommended default); "1" counts from the attestation day only, as the regulation's letter says.
APPEALS_LITERAL_DEADLINE = envbool("APPEALS_LITERAL_DEADLINE", False)

# --- Auth ------------------------------------------------------------------------------------------
# Django's and allauth's backends (attestation/accounts.py): the signed-in user is read from the database.
AUTHENTICATION_BACKENDS = [
    "attestation.accounts.CachedModelBackend",
    "attestation.accounts.CachedAllauthBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "attestation.accounts.AccountAdapter"
MFA_ADAPTER = "attestation.accounts.MfaAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    # Brute force, on the web and the token endpoint alike (attestation/tokens.py): 5 failed passwords per account
    # per 5 minutes (and, apart, 5 wrong one-time codes), 20 failures per client address per minute.
    "login_failed": env("ATTESTATION_LOGIN_RATE", "20/m/ip,5/5m/key"),
}
# The client's address is REMOTE_ADDR unless the portal stands behind this many reverse proxies that each append to
# X-Forwarded-For (nginx: proxy_add_x_forwarded_for); a header a client sets itself is never trusted by default.
ATTESTATION_TRUSTED_PROXIES = int(env("ATTESTATION_TRUSTED_PROXIES", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = ATTESTATION_TRUSTED_PROXIES
# API tokens (django-rest-knox): stored hashed, valid this many days, then a new sign-in.
ATTESTATION_TOKEN_DAYS = int(env("ATTESTATION_TOKEN_DAYS", "30"))
REST_KNOX = {"TOKEN_TTL": timedelta(days=ATTESTATION_TOKEN_DAYS), "AUTO_REFRESH": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Attestation portal"
# TOTP is required for administrators and staff (and operators, authorities) in production;
# off in the embedded demo so a newcomer can look around at once. Students may enroll if they wish.
ATTESTATION_MFA_REQUIRED = envbool("ATTESTATION_MFA_REQUIRED", PRODUCTION)

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "attestation.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "attestation.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "attestation.errors.api_exception_handler",
    # Sign-in failures are limited by allauth's limiter (ACCOUNT_RATE_LIMITS); any DRF throttle sees the same
    # client address.
    "NUM_PROXIES": ATTESTATION_TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attestation portal API",
    "DESCRIPTION": "Final attestation of graduates of Kazakhstan's TVET colleges. Errors: one shape, "
    '{"detail", "errors": [{"field", "rule", "message"}]}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CommissionKindEnum": "commissions.models.CommissionKind",
        "ReadmissionReasonEnum": "commissions.models.ReadmissionReason",
        "CohortEnum": "monitoring.models.Cohort",
        "CancelBasisEnum": "monitoring.models.CancelBasis",
    },
}

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True
# Kazakh number formats (the decimal comma), which Django lacks; attestation.formatting reads them.
FORMAT_MODULE_PATH = ["attestation.formats"]

# --- Files -----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise like the static files.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
# Generated documents and uploads live outside the web root and are served only through views
# that check permissions; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {
        "BACKEND": "attestation.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": env("ATTESTATION_DOCUMENTS_DIR", str(MEDIA_ROOT / "documents"))},
    },
    # Uploaded files (appeal attachments, signed scans, diploma works): served only through views that
    # check permissions (attestation/uploads.py sniffs their content).
    "uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("ATTESTATION_UPLOADS_DIR", str(MEDIA_ROOT / "uploads"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Spreadsheet imports larger than this are refused with 413 before they are parsed.
ATTESTATION_IMPORT_MAX_BYTES = int(env("ATTESTATION_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# The testing centre's results file of a monitoring round is read as a stream (monitoring.resultsfile): a larger limit.
MONITORING_RESULTS_MAX_BYTES = int(env("MONITORING_RESULTS_MAX_BYTES", str(64 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "attestation@localhost")

# --- Security (production) --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Production serves HTTPS (behind a TLS-terminating proxy). ATTESTATION_HTTPS=0 is only for trying the
# full stack on plain http://localhost (docker-compose.yml); `check --deploy` then warns, rightly.
if PRODUCTION and envbool("ATTESTATION_HTTPS", True):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp) on every answer: scripts, styles, fonts and images only from the portal itself
# (htmx and Bootstrap are served from static/), no inline script or style, no plugins, no framing, forms post to the
# portal only. Images may be data: URIs (the TOTP QR code, the documents' QR codes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "attestation.logs.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (with DEBUG) would print every record a second time beside the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Labels used by the kk/ru/en switcher and by documents.
DOCUMENT_LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
