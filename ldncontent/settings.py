"""Settings for ldncontent, read from the environment (see README "Configuration")."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ldncontent.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

# Read as it is, spaces included: trimming would change a deployed key and void its signatures.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY.strip():
    SECRET_KEY = ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=true for local "
            "development (a development-only key is used then)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "articles",
    "reviews",
    "governance",
    "notifications",
    "scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "articles.delivery.middleware.DeliveryMiddleware",
    "ldncontent.error_handler.ApiNotFoundMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Answers a login refused for too many failures (ldncontent.login_limits): keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ldncontent.urls"
WSGI_APPLICATION = "ldncontent.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ldncontent" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# Production runs behind a TLS-terminating proxy that sets X-Forwarded-Proto (see below).
TRUST_X_FORWARDED_PROTO = env_bool("TRUST_X_FORWARDED_PROTO", not DEBUG)
# The reverse proxies in front of the app that append to X-Forwarded-For: the client's
# address is the one the outermost of them saw. 0 (no proxy) ignores X-Forwarded-For, which
# any client can forge. Used by the login limits and by DRF's throttles. Behind the proxy
# above it defaults to 1: with 0, every client would have the proxy's address, and a few
# failed logins would lock everyone out.
NUM_PROXIES = env_int("NUM_PROXIES", 1 if TRUST_X_FORWARDED_PROTO else 0, minimum=0)

# Failed logins (the token endpoint and the admin login) are limited per account and per
# client address by django-axes: after LOGIN_FAILURE_LIMIT failures, logins for that
# username, and from that address, are refused for LOGIN_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "ldncontent.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "ldncontent.login_limits.lockout_response"
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged

# HTTPS and security headers. Production runs behind a TLS-terminating proxy that sets
# X-Forwarded-Proto; every default below is the safe one unless DEBUG is on.
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page the full stack serves: the admin, the
# API docs (Swagger UI and ReDoc, from drf-spectacular-sidecar) and the browsable API. Scripts
# only from this server, none inline; inline styles stay allowed, since the admin's and the
# docs' templates use them. ReDoc runs its search in a worker made from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every view opens itself on purpose.
    "DEFAULT_PERMISSION_CLASSES": ["ldncontent.permissions.DenyAll"],
    "DEFAULT_PARSER_CLASSES": ["ldncontent.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "ldncontent.error_handler.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_RATES": {"token": env_str("TOKEN_THROTTLE_RATE", "10/minute")},
    "NUM_PROXIES": NUM_PROXIES,
}

REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30, minimum=1)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ldncontent API",
    "DESCRIPTION": (
        "A content-versioned API for health publishers. Editors write articles as ordered "
        "sections; every edit is recorded; only clinician-approved versions are served to "
        "consuming sites.\n\n"
        "Errors always have a JSON body with a machine-readable `code` and a human `detail` "
        "that says what to fix. Writes to an existing article need `If-Match` with the ETag "
        "from your last read of that article: 428 without it, 412 when it is stale."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ldncontent.apidocs.require_bodies_with_min_properties",
        "ldncontent.apidocs.document_server_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AudienceEnum": "articles.models.Audience",
        "ReviewKindEnum": "articles.models.ReviewKind",
        "ReviewStateEnum": "reviews.models.ReviewState",
        "EventTypeEnum": "articles.models.EventType",
        "DeliveryStatusEnum": "articles.models.DeliveryStatus",
        "ReferenceKindEnum": "articles.models.ReferenceKind",
        "ReferenceStatusEnum": "articles.models.ReferenceStatus",
        "DiffStatusEnum": ["added", "removed", "changed", "unchanged"],
        "ScheduleStateEnum": "scheduling.models.ScheduleState",
        "ReleaseStateEnum": "scheduling.models.ReleaseState",
        "WithdrawalStateEnum": "scheduling.models.WithdrawalState",
        "FeedbackCategoryEnum": "governance.models.FeedbackCategory",
        "FeedbackStatusEnum": "governance.models.FeedbackStatus",
    },
    "TAGS": [
        {"name": "auth", "description": "Bearer tokens for staff and CMS integrations."},
        {"name": "articles", "description": "The working copy of articles (authoring)."},
        {"name": "sections", "description": "The ordered sections of an article (authoring)."},
        {
            "name": "references",
            "description": "The sources an article cites as `[^key]` (authoring).",
        },
        {"name": "versions", "description": "Frozen versions, diffs, previews and retraction."},
        {"name": "reviews", "description": "Submission and clinical review of versions."},
        {
            "name": "sign-offs",
            "description": "Sign-off roles, policies and their holders; signing, assigning.",
        },
        {"name": "webhooks", "description": "Signed webhooks (publishing admins)."},
        {
            "name": "scheduling",
            "description": "Publication at a set time, releases and timed withdrawals (staff).",
        },
        {
            "name": "feedback",
            "description": "Reader feedback on published versions, and its triage (staff).",
        },
        {"name": "dossiers", "description": "Per-version production records for assessors."},
        {
            "name": "delivery",
            "description": "For consuming sites (`Authorization: Api-Key <key>`): approved "
            "articles only.",
        },
    ],
}

# Content limits, enforced on every write path (API, importer, admin).
ARTICLE_MAX_SECTIONS = env_int("ARTICLE_MAX_SECTIONS", 100, minimum=1)
SECTION_BODY_MAX_CHARS = env_int("SECTION_BODY_MAX_CHARS", 50_000, minimum=1)
API_MAX_REQUEST_BYTES = env_int("API_MAX_REQUEST_BYTES", 2 * 1024 * 1024, minimum=1)
# Django's own limit on bodies (forms; JSON too, which DRF reads whole before the parser's
# check): above API_MAX_REQUEST_BYTES, so JSON bodies meet the API's limit and its 413 first.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, API_MAX_REQUEST_BYTES + 1)

# Delivery to consuming sites.
DELIVERY_MAX_AGE = env_int("DELIVERY_MAX_AGE", 60, minimum=0)
DELIVERY_STALE_WHILE_REVALIDATE = env_int("DELIVERY_STALE_WHILE_REVALIDATE", 300, minimum=0)
DELIVERY_THROTTLE_PER_MINUTE = env_int("DELIVERY_THROTTLE_PER_MINUTE", 600, minimum=1)
DELIVERY_PAGE_SIZE = env_int("DELIVERY_PAGE_SIZE", 50, minimum=1)
# What consuming sites get once an article's next review date has passed:
# "flag" serves it with review_overdue: true; "withhold" refuses it until it is reviewed again.
# (articles.models.ReviewOverduePolicy; the models cannot be imported by the settings.)
REVIEW_OVERDUE_POLICY = env_choice("REVIEW_OVERDUE_POLICY", ("flag", "withhold"), "flag")

# Webhooks: retries with exponential backoff and jitter, up to WEBHOOK_MAX_ATTEMPTS.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10, minimum=1)
WEBHOOK_BACKOFF_BASE_SECONDS = env_float("WEBHOOK_BACKOFF_BASE_SECONDS", 5.0, minimum=0)
WEBHOOK_BACKOFF_MAX_SECONDS = env_float("WEBHOOK_BACKOFF_MAX_SECONDS", 3600.0, minimum=0)
# One attempt, from resolving the name to the last byte read, ends by this deadline; at most
# WEBHOOK_MAX_RESPONSE_BYTES of the answer are read (and discarded).
WEBHOOK_DELIVERY_DEADLINE_SECONDS = env_float("WEBHOOK_DELIVERY_DEADLINE_SECONDS", 10.0, minimum=0)
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 65_536, minimum=0)
# Endpoints sent to at once by one worker, each by one thread: a hanging receiver holds one.
WEBHOOK_WORKER_THREADS = env_int("WEBHOOK_WORKER_THREADS", 8, minimum=1)
# Receivers on loopback, private, link-local, multicast or reserved addresses are refused
# unless this is on (development); plain http is refused whenever DEBUG is off.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", DEBUG)
WEBHOOK_HTTPS_ONLY = not DEBUG
# A delivery being sent is leased for this long; a worker that dies mid-send loses nothing:
# the lease runs out and the event is sent again, with the same webhook-id.
WEBHOOK_LEASE_SECONDS = env_float("WEBHOOK_LEASE_SECONDS", 60.0, minimum=0)
if WEBHOOK_LEASE_SECONDS <= WEBHOOK_DELIVERY_DEADLINE_SECONDS:
    raise ImproperlyConfigured(
        "WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_DELIVERY_DEADLINE_SECONDS, or a "
        "delivery still being sent could be sent again by another worker."
    )
WORKER_POLL_SECONDS = env_float("WORKER_POLL_SECONDS", 1.0, minimum=0)
# Jobs the worker runs besides webhooks, each every so many seconds: (dotted path of a
# function taking no arguments, interval). Each app plugs its own in here, so the worker
# (in `articles`) never imports the apps that build on it.
WORKER_PERIODIC_JOBS: list[tuple[str, float]] = []
# Scheduled publications, releases and withdrawals go out within this many seconds of their
# time (the worker checks what is due this often).
SCHEDULE_CHECK_SECONDS = env_float("SCHEDULE_CHECK_SECONDS", 1.0, minimum=0)
WORKER_PERIODIC_JOBS.append(("scheduling.jobs.run_due", SCHEDULE_CHECK_SECONDS))
# Reference link checks (README "Evidence"): every REFERENCE_CHECK_RUN_SECONDS the worker checks
# at most REFERENCE_CHECKS_PER_RUN sources not checked for REFERENCE_CHECK_INTERVAL_DAYS, with
# REFERENCE_RESOLVER (the dotted path of a function (url) -> (resolves, detail)).
REFERENCE_CHECKS_PER_RUN = env_int("REFERENCE_CHECKS_PER_RUN", 20, minimum=1)
REFERENCE_CHECK_INTERVAL_DAYS = env_int("REFERENCE_CHECK_INTERVAL_DAYS", 7, minimum=1)
REFERENCE_CHECK_RUN_SECONDS = env_float("REFERENCE_CHECK_RUN_SECONDS", 600.0, minimum=1)
REFERENCE_RESOLVER = env_str("REFERENCE_RESOLVER", "articles.reference_checks.http_resolve")
WORKER_PERIODIC_JOBS.append(
    ("articles.reference_checks.check_due_references", REFERENCE_CHECK_RUN_SECONDS)
)

# Django's cache, which holds the feedback rate limit's counts: `local` keeps them in each
# server process (a limit per process), `database` in one table all processes share (run
# `manage.py createcachetable` once; `make serve` does).
CACHE = env_choice("CACHE", ["local", "database"], "local")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ldncontent",
    }
    if CACHE == "local"
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ldncontent_cache",
    }
}

# Reader feedback sent by consuming sites: at most FEEDBACK_RATE reports per key (DRF's
# "number/second|minute|hour|day"), each at most FEEDBACK_MAX_CHARS characters of text.
FEEDBACK_RATE = env_str("FEEDBACK_RATE", "30/hour")
if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", FEEDBACK_RATE):
    raise ImproperlyConfigured(
        f"FEEDBACK_RATE={FEEDBACK_RATE!r} is not a rate: write e.g. 30/hour "
        "(a whole number per second, minute, hour or day)."
    )
FEEDBACK_MAX_CHARS = env_int("FEEDBACK_MAX_CHARS", 4000, minimum=1)
# A random sample of dossiers draws at most this many versions.
DOSSIER_SAMPLE_MAX = env_int("DOSSIER_SAMPLE_MAX", 50, minimum=1)

# A full clinical review is valid for at most this many months; a clinician may set less.
REVIEW_INTERVAL_MONTHS = env_int("REVIEW_INTERVAL_MONTHS", 12, minimum=1)

# Email, sent only by the worker from the notification outbox (README "Notifications"): the
# console in development, SMTP otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Each exchange with the mail server (connecting, each command, each answer) waits this long.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0, minimum=0.1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ldncontent <noreply@localhost>")
# Where emails link to: the admin panel's address as people reach it, e.g.
# https://content.example.org (unset: the links are paths alone).
ADMIN_BASE_URL = env_str("ADMIN_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATION_BACKOFF_BASE_SECONDS = env_float("NOTIFICATION_BACKOFF_BASE_SECONDS", 60.0, minimum=0)
NOTIFICATION_BACKOFF_MAX_SECONDS = env_float("NOTIFICATION_BACKOFF_MAX_SECONDS", 3600.0, minimum=0)
# A notification being sent is leased for this long; a worker that dies mid-send loses nothing:
# the lease runs out and it is sent again, with the same Message-ID.
# One send is up to about ten exchanges with the mail server (connect, EHLO, STARTTLS, AUTH,
# MAIL, RCPT, DATA, ...), each allowed EMAIL_TIMEOUT: the lease must outlast them all.
NOTIFICATION_LEASE_SECONDS = env_float("NOTIFICATION_LEASE_SECONDS", 300.0, minimum=0)
if NOTIFICATION_LEASE_SECONDS <= 10 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "NOTIFICATION_LEASE_SECONDS must be longer than ten times EMAIL_TIMEOUT (a send is up "
        "to ten exchanges with the mail server), or a message still being sent could be sent "
        "again by another worker."
    )
NOTIFICATION_SEND_INTERVAL_SECONDS = env_float(
    "NOTIFICATION_SEND_INTERVAL_SECONDS", 10.0, minimum=0
)
# How often the worker looks for overdue items; each person's digest goes out once a day.
OVERDUE_DIGEST_CHECK_SECONDS = env_float("OVERDUE_DIGEST_CHECK_SECONDS", 3600.0, minimum=1)
WORKER_PERIODIC_JOBS.append(("notifications.jobs.send_due", NOTIFICATION_SEND_INTERVAL_SECONDS))
WORKER_PERIODIC_JOBS.append(("reviews.jobs.overdue_digest", OVERDUE_DIGEST_CHECK_SECONDS))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # 4xx answers are part of normal operation; only server errors are worth a log line.
        "django.request": {"level": "ERROR"},
    },
}
