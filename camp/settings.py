"""Camp Reports settings, read from the environment (12-factor).

Every variable has a safe default. Without DATABASE_URL and REDIS_URL the app
runs on the embedded default: a SQLite file and a file-system message broker
under var/, so web, worker and beat work on one machine with nothing installed.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from camp.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable read here is documented in docker/.env.example; a test keeps the two in step.
env = environ.Env()
VAR_DIR = Path(env.str("CAMP_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
# Or read from a file: a Docker secret, or the key docker/entrypoint.sh generates
# on the shared volume (the image sets SECRET_KEY_FILE to it).
SECRET_KEY_FILE = env.str("SECRET_KEY_FILE", default="")
if not SECRET_KEY and SECRET_KEY_FILE:
    try:
        SECRET_KEY = Path(SECRET_KEY_FILE).read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SECRET_KEY_FILE {SECRET_KEY_FILE} cannot be read ({exc.strerror})."
        ) from exc
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string for production, "
            "or set DEBUG=1 for local development (make run does this for you)."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
if "localhost" not in ALLOWED_HOSTS:
    # Container health checks probe http://localhost:8000/healthz from inside the
    # container, whatever public name the site has.
    ALLOWED_HOSTS.append("localhost")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Safe by default when DEBUG is off; each can be turned off through the
# environment (docker/.env.example explains when that makes sense).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Probes talk plain HTTP to the container: a redirect to https would fail them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind the TLS-terminating proxy the app sees plain HTTP; the proxy says what the
# browser used. Only trust the header when a proxy sets (and overwrites) it.
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "camp.apps.SignInLockoutsConfig",  # django-axes, named for the admin
    "camp",
    "reports",
]

MIDDLEWARE = [
    "camp.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "camp.user_language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it turns a lockout flagged by the backend into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "camp.urls"
WSGI_APPLICATION = "camp.wsgi.application"
AUTH_USER_MODEL = "camp.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

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
            ],
            # Template tags that live with their feature package.
            "libraries": {"overview_tags": "reports.overview.templatetags"},
        },
    },
]

# Database: PostgreSQL in production and CI, a SQLite file when embedded.
EMBEDDED_DATABASE = not env.str("DATABASE_URL", default="")
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'camp.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing,
    # and take the write lock at BEGIN so two writers cannot deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Broker and cache: Redis when REDIS_URL is set; otherwise a broker made of
# files (works across processes, unlike eager mode) and a file cache, so the
# worker, beat and web share locks and heartbeats.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="camp"),
        }
    }
else:
    # The file-system transport does not create its folders itself.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Rendered pages (reports.overview.caching), apart from locks and heartbeats:
# keyed by each cohort's data_version, so never stale, and cheap to lose.
CACHES["pages"] = {
    **CACHES["default"],
    "KEY_PREFIX": CACHES["default"].get("KEY_PREFIX", "") + "pages",
}

TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["camp.formats"]

CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# None: one worker process per CPU.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat's jobs live in camp/schedule.py, installed into the scheduler's table
# after migrate; an entry here would be written over admin edits at every start.
CELERY_BEAT_SCHEDULE: dict = {}
# The first intervals (in seconds) of the GitHub poll and of keeping summary
# issues current; then editable in the admin (Periodic tasks).
GITHUB_SYNC_SECONDS = env.int("GITHUB_SYNC_SECONDS", default=600)
GITHUB_PUBLISH_SECONDS = env.int("GITHUB_PUBLISH_SECONDS", default=600)
# How long a worker heartbeat stays fresh for /healthz.
HEARTBEAT_STALE_AFTER = 300

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 (set just above)
    EMAIL_BACKEND = "camp.mail.StderrConsoleEmailBackend"
# The brand as the site shows it in its default language (base.html).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="训练营周报 <noreply@localhost>")
# Seconds an SMTP connection may block: a hung server must not hold a reminder
# claim past reports.reminders.recording.CLAIM_TIMEOUT.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Hosts a reminder chat webhook may point at besides the providers' own (a
# local test server, an internal relay); empty in production.
CHAT_WEBHOOK_EXTRA_HOSTS = env.list("CHAT_WEBHOOK_EXTRA_HOSTS", default=[])

GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com").rstrip("/")
GITHUB_TOKEN = env.str("GITHUB_TOKEN", default="")
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", default="")

AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out accounts and addresses before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Sign-in attempts (camp/lockout.py): a (username, address) pair is locked after
# AXES_FAILURE_LIMIT failures, an address after AXES_ADDRESS_FAILURE_LIMIT
# failures over any usernames, each for AXES_COOLOFF_MINUTES.
AXES_HANDLER = "camp.lockout.PairAndAddressHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=100)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None

# Sign in with GitHub (django-allauth), switched on by the two OAuth variables.
# GITHUB_URL is the web base of GitHub Enterprise; allauth derives /api/v3 from it.
GITHUB_OAUTH_CLIENT_ID = env.str("GITHUB_OAUTH_CLIENT_ID", default="")
GITHUB_OAUTH_CLIENT_SECRET = env.str("GITHUB_OAUTH_CLIENT_SECRET", default="")
GITHUB_WEB_URL = env.str("GITHUB_WEB_URL", default="https://github.com").rstrip("/")
GITHUB_SIGN_IN_ENABLED = bool(GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET)
# allauth sends the GitHub sign-in through POST only (no login CSRF by GET).
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "github": {
        "APPS": (
            [{"client_id": GITHUB_OAUTH_CLIENT_ID, "secret": GITHUB_OAUTH_CLIENT_SECRET, "key": ""}]
            if GITHUB_SIGN_IN_ENABLED
            else []
        ),
        "SCOPE": ["read:user"],
        **({"GITHUB_URL": GITHUB_WEB_URL} if GITHUB_WEB_URL != "https://github.com" else {}),
    }
}
SOCIALACCOUNT_ADAPTER = "camp.accounts.RosterSocialAccountAdapter"
ACCOUNT_ADAPTER = "camp.accounts.NoSignupAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_EMAIL_VERIFICATION = "none"

# The app's public address, for links in emails sent outside a request (commands, tasks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "camp" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reports.api.exceptions.exception_handler",
    # Token first: an anonymous request then gets 401 with a Bearer challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reports.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["reports.api.authentication.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env.str("API_TOKEN_RATE", default="1000/hour")},
    "DEFAULT_PAGINATION_CLASS": "reports.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["reports.api.parsers.SafeJSONParser"],
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Camp Reports API",
    # Two choice sets are both called "state": where a report stands, and what a
    # referenced issue or pull request is on GitHub.
    "ENUM_NAME_OVERRIDES": {
        "ReportStateEnum": "reports.status.State",
        "ReferenceStateEnum": "reports.models.ReferenceCheck.State",
    },
    "DESCRIPTION": (
        "Cohorts, periods, reports and reviews of Camp Reports, with the same permissions "
        "as the web pages. Authenticate with a session or with a personal API token "
        "(`Authorization: Bearer <token>`, created at /account/tokens/)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reports.api.schema.add_error_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs go to stdout, one JSON object a line in production (plain text with DEBUG),
# each with the request id or the Celery task id it belongs to (camp/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r}.")
LOGGING = logging_config(
    LOG_FORMAT,
    env.str("LOG_LEVEL", default="INFO"),
    # runserver (make run) logs each request again; camp.request has it already.
    loggers={"axes": {"level": "WARNING"}, "django.server": {"level": "CRITICAL"}},
)
