"""Settings shared by every environment.

Everything that differs between a laptop, CI and production is read once from environment
variables (django-environ). With none set, the embedded defaults apply: SQLite and kombu's
filesystem broker under ``var/``, a local-memory cache, and mail printed to the console.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# GENERAL
DEBUG = env.bool("DEBUG", default=False)
# A development key exists only for DEBUG; anything else must bring its own.
SECRET_KEY = env(
    "SECRET_KEY", default="django-insecure-development-only-key" if DEBUG else environ.Env.NOTSET
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Form templates in templates/components/ override Django's own (TemplatesSetting).
    "django.forms",
    # third party (axes, otp_totp and guardian through configs that give them Chinese names)
    "ideology_office.common.third_party.AxesConfig",
    "csp",
    "django_filters",
    "django_htmx",
    "django_otp",
    "ideology_office.common.third_party.OtpTotpConfig",
    "ideology_office.common.third_party.GuardianConfig",
    "import_export",
    "template_partials",
    # cross-cutting parts of the product
    "ideology_office.accounts",
    "ideology_office.common",
    "ideology_office.dashboard",
    "ideology_office.notifications",
    "ideology_office.reports",
    # one app per work area
    "responsibility",
    "study",
    "positions",
    "sentiment",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, second factor, and a password change when one is due (SIGN-IN POLICY below).
    "ideology_office.accounts.middleware.SignInPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Vary: HX-Request, fragments never cached, htmx history restore gets the whole page.
    "ideology_office.common.middleware.HtmxHistoryMiddleware",
    "ideology_office.common.middleware.AuditActorMiddleware",
    "ideology_office.common.middleware.WorkAreaGateMiddleware",
    # Every download (an attachment response) is recorded: who, what, filters, rows.
    "ideology_office.common.exports.ExportAuditMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ideology_office.urls"
WSGI_APPLICATION = "ideology_office.wsgi.application"

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
                "ideology_office.common.context_processors.navigation",
                "ideology_office.accounts.context_processors.sign_in_policy",
            ],
            # {% partialdef %} everywhere without a {% load %}: one template serves a page and its fragments.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]
# Form fields render through templates/components/ so errors look the same on every page.
FORM_RENDERER = "ideology_office.common.forms.ProjectFormRenderer"
# A filter left empty means every record: say 全部, not Django's row of dashes (forms say 请选择…).
FILTERS_EMPTY_CHOICE_LABEL = _("All")

# DATABASE
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker share the file: WAL lets readers go on while one writes,
    # and IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE
# REDIS_URL selects Redis; without it each process keeps its own local-memory cache.
if env("REDIS_URL", default=""):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}
    }
    # Sessions read from Redis, written to both: a page no longer asks the database for its session
    # (bench/README-load.md). Only with a cache every process shares: with a process's own memory,
    # a session ended in one process would live on in another's copy.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The dashboard's costly fragments are cached until the next audited write, and this many seconds
# at most (common/fragments.py); 0 turns the cache off.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=60)

# AUTHENTICATION
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so that it can refuse a locked-out attempt before the others run.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ideology_office.accounts.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day

# SIGN-IN POLICY (GB/T 22239-2019 level 3; ideology_office.accounts)
# 三员分立: no superuser; `manage.py bootstrap_admins` creates the system, security and audit
# administrators. Development and test settings allow a superuser again, and say so.
ALLOW_SUPERUSER = env.bool("ALLOW_SUPERUSER", default=False)
# Demo accounts (seed_demo) must set their own password at first sign-in, except in development.
DEMO_MUST_CHANGE_PASSWORD = env.bool("DEMO_MUST_CHANGE_PASSWORD", default=not DEBUG)
# The values below are the defaults of the sign-in policy: the 安全管理员 may set others in the
# admin (系统管理 → 登录策略, accounts/policy.py), within the level-3 limits.
# At least 10 characters of 3 of the 4 classes, not the user name, none of the last 5.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
PASSWORD_MIN_CLASSES = env.int("PASSWORD_MIN_CLASSES", default=3)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
AUTH_PASSWORD_VALIDATORS += [
    {"NAME": "ideology_office.accounts.password_validation.CharacterClassesValidator"},
    {"NAME": "ideology_office.accounts.password_validation.UsernameNotContainedValidator"},
    {"NAME": "ideology_office.accounts.password_validation.PasswordHistoryValidator"},
]
# A password older than this must be changed at the next request (0: never).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
# Audit entries are kept at least this long before the 审计管理员 may archive them (网络安全法: six
# months; a system check refuses less than 180). Archived entries stay in the table.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)
AUDIT_ARCHIVE_DIR = env.str("AUDIT_ARCHIVE_DIR", default=str(BASE_DIR / "var" / "audit-archives"))
# Signed out after this many minutes without a request; the page warns this many seconds before.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_IDLE_WARNING_SECONDS = env.int("SESSION_IDLE_WARNING_SECONDS", default=120)
# Roles that must sign in with a second factor (TOTP, django-otp), enrolled on first sign-in.
OTP_REQUIRED_ROLES = env.list(
    "OTP_REQUIRED_ROLES", default=["系统管理员", "安全管理员", "审计管理员", "办公室领导"]
)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="意识形态工作平台")

# AXES (login throttling)
# Lock the pair (user name, address), never the address alone: a whole office sits behind one
# NAT address, and one person's typing mistakes must not lock out everyone else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in policy's defaults; axes asks the policy in force (accounts/policy.py).
LOCKOUT_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOCKOUT_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = "ideology_office.accounts.policy.failure_limit"
AXES_COOLOFF_TIME = "ideology_office.accounts.policy.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy set AXES_IPWARE_PROXY_COUNT=1 so the client's address is taken from
# X-Forwarded-For; directly exposed, the socket address is the only one to trust.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# GUARDIAN (grants on single objects, made by the services that assign people)
# No anonymous user: every page requires login.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# INTERNATIONALISATION
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# STATIC AND EVIDENCE FILES
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# While developing, whitenoise serves straight from static/ and picks up edits.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Evidence (佐证材料) never has a public URL: it is served only by a view that checks access to
# the record that owns it. MEDIA_URL is therefore not routed anywhere.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "evidence", "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# EMAIL
# EMAIL_URL (for example smtp://user:pass@mail.example.gov.cn:587/?tls=True) sets everything at once;
# the separate EMAIL_* variables work too. Without either, mail is printed to the console.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.smtp.EmailBackend"
        if env("EMAIL_HOST", default="")
        else "django.core.mail.backends.console.EmailBackend",
    )
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="意识形态工作平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[意识形态工作平台] "

# REMINDERS (ideology_office.notifications)
# Group robot of enterprise WeChat (wecom) or DingTalk (dingtalk); empty URL: the channel is skipped.
REMINDER_WEBHOOK_URL = env("REMINDER_WEBHOOK_URL", default="")
# DingTalk "加签" secret: requests are signed with timestamp + HMAC-SHA256.
REMINDER_WEBHOOK_SECRET = env("REMINDER_WEBHOOK_SECRET", default="")
REMINDER_WEBHOOK_KIND = env("REMINDER_WEBHOOK_KIND", default="wecom")
REMINDER_WEBHOOK_TIMEOUT = env.int("REMINDER_WEBHOOK_TIMEOUT", default=10)
# Quiet hours for people who set none (local time; equal values: no quiet hours). Reminders due
# inside them wait until the end, unless their rule is urgent.
REMINDER_QUIET_START = env("REMINDER_QUIET_START", default="22:00")
REMINDER_QUIET_END = env("REMINDER_QUIET_END", default="07:30")
REMINDER_PLANNER_BATCH_SIZE = env.int("REMINDER_PLANNER_BATCH_SIZE", default=500)
REMINDER_SEND_BATCH_SIZE = env.int("REMINDER_SEND_BATCH_SIZE", default=20)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
# A row claimed longer ago than this was left by a dead worker: the watchdog frees it.
REMINDER_CLAIM_TIMEOUT_SECONDS = env.int("REMINDER_CLAIM_TIMEOUT_SECONDS", default=10 * 60)
# A reminder whose time passed while the planner was stopped is still sent within this delay.
REMINDER_CATCHUP_HOURS = env.int("REMINDER_CATCHUP_HOURS", default=24)
REMINDER_DIGEST_HOUR = env.int("REMINDER_DIGEST_HOUR", default=8)
REMINDER_QUEUE = env("REMINDER_QUEUE", default="celery")
# A channel send whose outcome is unknown (its process died between the send and recording it):
# "retry" sends it again marked possible duplicate, "hold" waits for an administrator.
REMINDER_ON_UNKNOWN_OUTCOME = {
    "email": env("REMINDER_EMAIL_ON_UNKNOWN", default="retry"),
    "webhook": env("REMINDER_WEBHOOK_ON_UNKNOWN", default="retry"),
}
# Links in e-mails and robot messages.
REMINDER_SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
REMINDER_MESSAGE_ID_DOMAIN = env("REMINDER_MESSAGE_ID_DOMAIN", default="ideology-office.local")
# When the work areas' waiting things become worth a reminder.
POSITIONS_REVIEW_WAIT_HOURS = env.int("POSITIONS_REVIEW_WAIT_HOURS", default=24)
STUDY_MATERIAL_WAIT_DAYS = env.int("STUDY_MATERIAL_WAIT_DAYS", default=7)

# LEDGER DOWNLOADS (ideology_office.reports)
# "Download all" and a ledger with more records than this in the period are written by a worker
# (a progress bar, then a message in the inbox); smaller ledgers download at once. A study ledger
# costs a few milliseconds a record on a loaded machine (bench/README-ledgers.md): 1,000 keeps a
# direct download near the 2-second goal.
LEDGER_EXPORT_ROW_THRESHOLD = env.int("LEDGER_EXPORT_ROW_THRESHOLD", default=1000)
# How long a file written in the background is kept (private storage), then deleted.
LEDGER_EXPORT_KEEP_HOURS = env.int("LEDGER_EXPORT_KEEP_HOURS", default=24)
LEDGER_EXPORT_QUEUE = env("LEDGER_EXPORT_QUEUE", default="celery")

# CELERY
# Embedded default: kombu's filesystem transport, so `make run` needs no broker server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
_celery_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("broker", "processed", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "broker"),
        "data_folder_out": str(_celery_dir / "broker"),
        "processed_folder": str(_celery_dir / "processed"),
        # Broadcast (remote control) messages, which would otherwise land in ./control.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{_celery_dir / 'results'}")
if CELERY_RESULT_BACKEND.startswith("file://"):
    (_celery_dir / "results").mkdir(parents=True, exist_ok=True)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only after it ran, so a worker that dies mid-task leaves it to be redone;
# every task is therefore written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "celerybeat-schedule")
# Beat touches this file after every tick (docker-compose's health check reads its age) and ticks
# at least once a minute.
CELERY_BEAT_SCHEDULER = "ideology_office.beat:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
BEAT_HEARTBEAT_FILE = env("BEAT_HEARTBEAT_FILE", default=str(_celery_dir / "beat-heartbeat"))
# Exactly one beat runs: embedded in the `make run` worker, or its own service in docker-compose.
CELERY_BEAT_SCHEDULE = {
    "worker-health-check": {
        "task": "ideology_office.common.tasks.health_check",
        "schedule": timedelta(minutes=10),
    },
    # Reminders (ideology_office.notifications): the planner fills the outbox, the sweep sends what
    # is due (held, retried or enqueued while the broker was down), the watchdog frees stuck claims.
    "reminders-plan": {
        "task": "notifications.plan_reminders",
        "schedule": timedelta(minutes=5),
        "options": {"queue": REMINDER_QUEUE},
    },
    "reminders-send": {
        "task": "notifications.send_due_reminders",
        "schedule": timedelta(minutes=1),
        "options": {"queue": REMINDER_QUEUE},
    },
    "reminders-watchdog": {
        "task": "notifications.reclaim_stuck_reminders",
        "schedule": timedelta(minutes=5),
        "options": {"queue": REMINDER_QUEUE},
    },
    # Ledger downloads written in the background (reports): files past their day are deleted.
    "ledger-exports-expire": {
        "task": "reports.expire_ledger_exports",
        "schedule": timedelta(hours=1),
        "options": {"queue": LEDGER_EXPORT_QUEUE},
    },
    "reminders-leader-digest": {
        "task": "notifications.plan_leader_digest",
        "schedule": crontab(hour=REMINDER_DIGEST_HOUR, minute=0),
        "options": {"queue": REMINDER_QUEUE},
    },
}

# CONTENT SECURITY POLICY
# No inline scripts or styles anywhere: page data reaches scripts through json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls with data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# SECURITY (tightened further by production.py)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"

# IMPORT-EXPORT
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_USE_TRANSACTIONS = True

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# PRODUCT
SITE_TITLE = _("Ideology Work Responsibility System")
ORGANISATION_NAME = env("ORGANISATION_NAME", default="县委办公室")
