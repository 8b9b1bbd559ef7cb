"""Settings for the OMS: one module, every deploy-dependent value from the environment.

Safe by default: without ``DJANGO_DEBUG=true`` the app needs a real ``SECRET_KEY`` and refuses to
start otherwise. Local development sets ``DJANGO_DEBUG=true`` (``make run`` does, or a ``.env``
file) and gets SQLite in ``var/``, eager Celery tasks and mail to the console. Production sets
``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``ALLOWED_HOSTS`` and the mail variables (see
README, "Configuration").
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Demo mode seeds the demo users (password "demo") and shows them on the login page. Never in production.
DEMO_MODE = env.bool("OMS_DEMO_MODE", default=False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
_INSECURE_KEY = "django-insecure-local-development-key-not-for-production-use"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = _INSECURE_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5 or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "oms.apps.OmsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Our apps, in the order their imports point (ARCHITECTURE.md): each may import those above it.
    "oms.apps.OmsConfig",
    "inventory.apps.InventoryConfig",
    "orders.apps.OrdersConfig",
    "fulfillment.apps.FulfillmentConfig",
    "billing.apps.BillingConfig",
    "returns.apps.ReturnsConfig",
    "reporting.apps.ReportingConfig",
    # Tools above every app (no app imports them): the benchmark load generator.
    "loadgen.apps.LoadgenConfig",
]

MIDDLEWARE = [
    # First: its headers go on every answer, the health check and redirects included.
    "oms.middleware.PrivacyHeadersMiddleware",
    "oms.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a body (CSRF reads forms): no bz2/zlib/base64 "charset".
    "oms.middleware.RequestCharsetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Managers and admins (and whoever enrolled) give their second factor before any other page.
    "oms.middleware.SecondFactorMiddleware",
    # AxesMiddleware last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"

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
                "oms.context_processors.shell",
            ],
        },
    },
]

# Django's template renderer, with the everyday widgets written out in Python (oms.form_rendering).
# https://docs.djangoproject.com/en/5.2/ref/settings/#form-renderer
FORM_RENDERER = "oms.form_rendering.FormRenderer"

# --- Database -----------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# Persistent connections with health checks: a one-query view serves ~7x more requests than with
# a new connection per request (STACK-NOTES.md).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oms.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is under way; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/auth/
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout (django-axes): lock the username from that address, not the whole address,
# so one attacker cannot lock out every colleague behind the same proxy.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# A wrong second-factor code counts as a failed login too (oms.second_factor); never store it.
AXES_SENSITIVE_PARAMETERS = ["code"]

# Second factor for staff (django-otp: TOTP apps, recovery codes as static tokens). Who must use
# it is decided in oms.second_factor (managers and admins); anyone may enrol.
# https://django-otp-official.readthedocs.io/en/stable/overview.html
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="OMS")
# Secrets and recovery codes never show in the admin; an admin resets a lost device instead.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# European dates and a 24-hour clock in English too (oms/formats/en/formats.py).
FORMAT_MODULE_PATH = ["oms.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/static-files/
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Rendered documents (PDFs) live here. Web and workers must share it (a volume in docker-compose.yml).
# It is never served as a public URL: staff download documents through a view that checks the role.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
# Hashed, compressed file names need `collectstatic` (the Dockerfile runs it); development and the
# test suite serve the files from their folders instead (STATIC_MANIFEST=false).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Cache --------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "oms"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Mail ---------------------------------------------------------------------------------------
# EMAIL_URL like smtp+tls://user:password@mail.example.com:587 ; default: print mails to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OMS <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where customers' answers to our mails go (empty: to the sender address).
MAIL_REPLY_TO = env.str("MAIL_REPLY_TO", default="")
# The footer of every customer mail (the imprint), lines separated by "|"; empty: built from
# BILLING_SELLER (company, address, register, managing directors, VAT id, contact).
MAIL_FOOTER = env.str("MAIL_FOOTER", default="")
# Per sales channel (by its code), a sender, reply-to address and footer of its own, as JSON:
# {"shop-de": {"from": "Shop <service@shop.example>", "reply_to": "...", "footer": "A|B"}}.
MAIL_SENDERS = env.json("MAIL_SENDERS", default={})

# --- Outbound webhooks (oms.webhooks) ---------------------------------------------------------
# Only https:// targets (http:// too when false, for development).
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=not DEBUG)
# Never post to loopback, private, link-local or reserved addresses; true only for tests that run
# their receiver on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Seconds to connect and to wait for the answer of one POST; a slower receiver is tried again later.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)

# --- Shop sync (orders.services.shop_sync) ---------------------------------------------------------
# Shop APIs only over https:// (http:// too when false, for development and the tests' fake shop).
SHOP_REQUIRE_HTTPS = env.bool("SHOP_REQUIRE_HTTPS", default=not DEBUG)
# Seconds to connect to a shop's API and to wait for one answer.
SHOP_HTTP_TIMEOUT_SECONDS = env.float("SHOP_HTTP_TIMEOUT_SECONDS", default=15.0)
# A shop's new orders are pulled this often (beat asks every minute which shops are due).
SHOP_PULL_INTERVAL_SECONDS = env.int("SHOP_PULL_INTERVAL_SECONDS", default=120)
# A pull holds its shop for this long, renewed after each page; a pull whose worker died is taken
# over after it.
SHOP_PULL_LEASE_SECONDS = env.int("SHOP_PULL_LEASE_SECONDS", default=600)
# Pages (50 orders each) one pull reads at most; the next pull goes on from there.
SHOP_PULL_MAX_PAGES = env.int("SHOP_PULL_MAX_PAGES", default=20)
# Pulls that try again a shop order that could not be taken in, before it is left to support.
SHOP_ORDER_MAX_ATTEMPTS = env.int("SHOP_ORDER_MAX_ATTEMPTS", default=10)

# --- Celery -------------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Without Redis the in-memory transport; with a host name, so kombu does not warn "No hostname was
# supplied" at every start.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint grows a worker's memory with every render: recycle worker processes.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# While Redis is away a request must not wait on it: the outbox row keeps the side effect and the
# sweep sends it later. So publishing gives up fast (one quick retry, short connect timeout).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_TIMEZONE = TIME_ZONE

# --- Celery: recovery after a worker dies -------------------------------------------------------
# A worker killed in the middle of a task (SIGKILL, OOM, ``docker kill``) never acknowledges it.
# A killed pool child is noticed by its worker, which re-queues the message at once
# (``REJECT_ON_WORKER_LOST``). When the whole worker dies, the message stays reserved in Redis
# until the visibility timeout has passed; then any live worker puts it back in the queue (it
# scans for such messages every ``unacked_restore_interval * unacked_restore_throttle`` seconds).
# The timeout must exceed the longest a reserved message can legitimately wait in a live worker:
# the longest retry delay (``OmsTask.retry_backoff_max``) plus the wait for a free process plus
# the run itself (each at most ``CELERY_TASK_TIME_LIMIT``); otherwise a task would run twice.
# ``tests/oms/test_celery_recovery.py`` checks this. What must not wait that long has a sweep
# (beat): the outbox every minute, backorders every five, CSV order imports (heartbeat) every
# minute; README, "When a worker dies", lists the worst-case delays.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # bounded by OmsTask.max_deliveries
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 3,  # scan every 3rd interval: every 30 s by default
    "unacked_mutex_expire": 60,  # a restore lock left by a dead worker blocks restores this long
}
# A CSV order import renews its heartbeat at least this often while it runs; one whose heartbeat
# is older than ORDER_IMPORT_STALE_SECONDS lost its worker and the sweep (every
# ORDER_IMPORT_SWEEP_SECONDS) resumes it, up to ORDER_IMPORT_MAX_ATTEMPTS runs in all.
ORDER_IMPORT_HEARTBEAT_SECONDS = env.float("ORDER_IMPORT_HEARTBEAT_SECONDS", default=10)
ORDER_IMPORT_STALE_SECONDS = env.float("ORDER_IMPORT_STALE_SECONDS", default=120)
ORDER_IMPORT_SWEEP_SECONDS = env.float("ORDER_IMPORT_SWEEP_SECONDS", default=60)
ORDER_IMPORT_MAX_ATTEMPTS = env.int("ORDER_IMPORT_MAX_ATTEMPTS", default=3)
# A long import is placed in slices of this many seconds, each in a task of its own, so no run
# reaches the task time limit (the soft limit is a second line: it hands over too).
ORDER_IMPORT_SLICE_SECONDS = env.float("ORDER_IMPORT_SLICE_SECONDS", default=180)
# Reports (reporting.services.rollups): the rollups are refreshed this often, re-reading this much
# before the watermark (transactions that commit late), and at most this many hours per run.
REPORTING_REFRESH_SECONDS = env.int("REPORTING_REFRESH_SECONDS", default=30)
REPORTING_WATERMARK_OVERLAP_SECONDS = env.int("REPORTING_WATERMARK_OVERLAP_SECONDS", default=300)
REPORTING_REFRESH_MAX_WINDOW_HOURS = env.int("REPORTING_REFRESH_MAX_WINDOW_HOURS", default=24)
# The dashboard reloads itself this often while open.
REPORTING_DASHBOARD_REFRESH_SECONDS = env.int("REPORTING_DASHBOARD_REFRESH_SECONDS", default=60)
# Inventory health: a product on hand counts as a slow mover when it was not ordered in the range
# or its units on hand would last longer than this many days at the range's pace.
REPORTING_SLOW_MOVER_DAYS = env.int("REPORTING_SLOW_MOVER_DAYS", default=180)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "oms.outbox.sweep_outbox_task", "schedule": timedelta(minutes=1)},
    "backorder-sweep": {"task": "orders.tasks.sweep_backorders_task", "schedule": timedelta(minutes=5)},
    "order-import-sweep": {
        "task": "orders.tasks.sweep_order_imports_task",
        "schedule": timedelta(seconds=ORDER_IMPORT_SWEEP_SECONDS),
    },
    "inventory-forecast-nightly": {
        "task": "inventory.tasks.recompute_forecasts_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "fulfillment-complete-orders-nightly": {
        "task": "fulfillment.tasks.complete_delivered_orders_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "billing-cash-on-delivery-sweep": {
        "task": "billing.tasks.sweep_cash_on_delivery_task",
        "schedule": timedelta(minutes=10),
    },
    "billing-uninvoiced-sweep": {"task": "billing.tasks.sweep_uninvoiced_task", "schedule": timedelta(minutes=5)},
    "reporting-refresh-rollups": {
        "task": "reporting.tasks.refresh_rollups_task",
        "schedule": timedelta(seconds=REPORTING_REFRESH_SECONDS),
    },
    "returns-unresolved-sweep": {
        "task": "returns.tasks.sweep_unresolved_returns_task",
        "schedule": timedelta(minutes=5),
    },
    "billing-overdue-nightly": {
        "task": "billing.tasks.mark_overdue_invoices_task",
        "schedule": crontab(hour=1, minute=5),
    },
    "shop-pull-orders": {"task": "orders.tasks.pull_due_shops_task", "schedule": timedelta(minutes=1)},
    "shop-push-stock-marks": {"task": "orders.tasks.push_marked_stock_task", "schedule": timedelta(minutes=1)},
    "shop-stock-full-sync": {"task": "orders.tasks.sync_all_shop_stock_task", "schedule": crontab(minute=40)},
    "billing-payment-reminders-daily": {
        "task": "billing.tasks.send_payment_reminders_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "privacy-retention-nightly": {
        "task": "oms.retention.enforce_retention_task",
        "schedule": crontab(hour=3, minute=45),
    },
}
# How long records are kept before the nightly retention job (oms.retention) removes or
# anonymises them: {"years": n} counts calendar years from the end of the record's year (as the
# tax laws do), {"days": n} days back from the run. RETENTION_PERIODS (JSON) overrides single ones,
# e.g. RETENTION_PERIODS='{"mail_log": {"days": 365}}'.
RETENTION_PERIODS = {
    "invoices": {"years": 8},  # invoices and credit notes, their PDFs and e-invoices (§14b UStG)
    "books": {"years": 10},  # bank statement lines, payment records (§147 AO)
    "withdrawals": {"years": 3},  # declarations of withdrawal: the regular limitation period (§195 BGB)
    "mail_log": {"days": 730},  # customer mails with their text
    "access_log": {"days": 730},  # who viewed or exported whose data
    "webhook_deliveries": {"days": 90},  # outbound webhook bodies and the receivers' answers
    "outbox": {"days": 30},  # delivered or failed side effects
    "idempotency_keys": {"days": 30},  # stored API responses (kept at least 24 h)
    "login_records": {"days": 90},  # staff logins and failed attempts with IP addresses
    **env.json("RETENTION_PERIODS", default={}),
}
# A delivered order is completed this many days after delivery: the 14-day right of withdrawal
# plus the time a parcel sent back on its last day needs to arrive (fulfillment.services.completion).
ORDER_COMPLETION_DAYS = env.int("ORDER_COMPLETION_DAYS", default=30)
# Return requests within the window, without excluded products and worth at most this much
# (order currency) are approved at once (returns.services.requests); the rest wait for support.
RETURNS_AUTO_APPROVE_MAX_VALUE = env.str("RETURNS_AUTO_APPROVE_MAX_VALUE", default="150.00")
# Where customers send returns, lines separated by "|" (empty: the seller's address, BILLING_SELLER).
RETURNS_ADDRESS = env.str("RETURNS_ADDRESS", default="")
# Photos on a return request (returns.photos): at most this many per request, each file at most
# this many bytes and pixels; JPEG, PNG or WebP by their content (Pillow), whatever the name says.
RETURNS_PHOTO_MAX_COUNT = env.int("RETURNS_PHOTO_MAX_COUNT", default=5)
RETURNS_PHOTO_MAX_BYTES = env.int("RETURNS_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
RETURNS_PHOTO_MAX_PIXELS = env.int("RETURNS_PHOTO_MAX_PIXELS", default=40_000_000)
# The warehouse board (fulfillment.board) reloads its counts and cut-off times this often.
WAREHOUSE_BOARD_REFRESH_SECONDS = env.int("WAREHOUSE_BOARD_REFRESH_SECONDS", default=30)

# --- Celery queues and routes -------------------------------------------------------------------
# Two queues, each with workers of its own (docker-compose.yml: "worker" and "worker-documents"):
# the default queue for quick work (customer mail, webhooks, sweeps) and DOCUMENTS_QUEUE for PDFs
# (WeasyPrint: ~250 ms and ~130 MiB a page), so a burst of PDFs never delays a mail. Outbox
# messages are all delivered by one task (``deliver_outbox_message_task``), so they are routed by
# their kind (OUTBOX_QUEUES, read by ``oms.outbox.queue_for``) rather than by task name.
# https://docs.celeryq.dev/en/stable/userguide/routing.html
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")
DOCUMENTS_QUEUE = env.str("DOCUMENTS_QUEUE", default="documents")
OUTBOX_QUEUES = {"document": DOCUMENTS_QUEUE, "label": DOCUMENTS_QUEUE, "return-label": DOCUMENTS_QUEUE}

# --- Outbox -------------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# A pending message younger than this is left to its own task; the sweep picks up older ones.
OUTBOX_SWEEP_GRACE_SECONDS = env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=60)
# A message the sweep sent is sent again only if still pending this long after (lost on the way).
OUTBOX_RESEND_SECONDS = env.int("OUTBOX_RESEND_SECONDS", default=120)

# --- Payment providers --------------------------------------------------------------------------
# The signing secret of the Stripe webhook endpoint (``whsec_...``, Dashboard > Webhooks); empty:
# every delivery is refused. Deliveries signed longer ago than the tolerance are refused too
# (replays). https://docs.stripe.com/webhooks#verify-manually
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)

# --- Customer portal (/track/) -----------------------------------------------------------------
# Where customers reach the portal: the links in customer mails start with it.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://localhost:8000")
# A link in a mail opens the order this long; one handed out by a lookup (number + e-mail) less.
PORTAL_MAIL_LINK_DAYS = env.int("PORTAL_MAIL_LINK_DAYS", default=120)
PORTAL_LOOKUP_LINK_HOURS = env.int("PORTAL_LOOKUP_LINK_HOURS", default=24)
# Find an order by number + postcode as well as by number + e-mail.
PORTAL_LOOKUP_BY_POSTCODE = env.bool("PORTAL_LOOKUP_BY_POSTCODE", default=True)
# Lookups per client address and per order number within the window, then 429 (oms.ratelimit,
# counted in Redis when REDIS_URL is set). Messages, cases and ratings per order and hour.
PORTAL_LOOKUPS_PER_ADDRESS = env.int("PORTAL_LOOKUPS_PER_ADDRESS", default=10)
PORTAL_LOOKUPS_PER_ORDER_NUMBER = env.int("PORTAL_LOOKUPS_PER_ORDER_NUMBER", default=10)
PORTAL_LOOKUP_WINDOW_SECONDS = env.int("PORTAL_LOOKUP_WINDOW_SECONDS", default=60)
PORTAL_ACTIONS_PER_ORDER_HOUR = env.int("PORTAL_ACTIONS_PER_ORDER_HOUR", default=10)
# The longest message a customer may send from the portal, in characters.
PORTAL_MESSAGE_MAX_LENGTH = env.int("PORTAL_MESSAGE_MAX_LENGTH", default=5000)
# Trusted proxies in front of the web processes: the client address is the one the outermost saw.
RATELIMIT_PROXY_COUNT = env.int("RATELIMIT_PROXY_COUNT", default=AXES_IPWARE_PROXY_COUNT)
# Prefix of the rate limit counters in the cache (the test suite gives each test its own).
RATELIMIT_KEY_PREFIX = env.str("RATELIMIT_KEY_PREFIX", default="")

# --- API ----------------------------------------------------------------------------------------
# API keys and sales channels are kept per process this long (oms.lookups): a key revoked or a
# channel changed in another process is seen within it; in the process that changed it, at once.
LOOKUP_CACHE_SECONDS = env.int("LOOKUP_CACHE_SECONDS", default=5)
# Order numbers each process draws from the sequence at a time (orders.services.numbering): one
# statement per block instead of one per order; a stopped process leaves the rest as a gap.
ORDER_NUMBER_BLOCK = env.int("ORDER_NUMBER_BLOCK", default=20)
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oms.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # UTF-8 JSON only, strictly: DRF's JSONParser decodes with any codec the charset names.
    "DEFAULT_PARSER_CLASSES": ["oms.api_parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "oms.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMS API",
    "DESCRIPTION": "Order intake, order status and stock for sales channels and ERP systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Fields of the same name with different choice sets (the order's and the shipment's "state",
    # the input's and the output's "price_mode"): a stable name for each set.
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "orders.models.OrderState",
        "ShipmentStateEnum": "fulfillment.models.ShipmentState",
        "OrderInputPriceModeEnum": ["gross", "net"],
        "OrderOutputPriceModeEnum": "orders.models.PriceMode",
        "DelayCodeEnum": "fulfillment.tracking_selectors.RISK_CODES",
    },
}
# Request bodies larger than this are refused before parsing (orders are a few KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it: the token travels in hx-headers on <body>
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp, https://django-csp.readthedocs.io/):
# scripts, styles, images and fonts from our own origin only; no inline script or style, no eval
# (htmx runs with allowEval off, base.html), no plugins, no <base>, never framed. Browsers post
# violations to /csp-report/, which logs them. Swagger UI is served as the split view, whose
# script is a file of its own, so /api/docs/ needs no exception either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": "/csp-report/",
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Browser features no page of the OMS uses, switched off for every page and any frame in it
# (https://www.w3.org/TR/permissions-policy/; sent by oms.middleware.PrivacyHeadersMiddleware).
# Scanners in the warehouse type like a keyboard: no camera needed.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "autoplay": "()",
    "bluetooth": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "hid": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "publickey-credentials-get": "()",
    "serial": "()",
    "usb": "()",
    "xr-spatial-tracking": "()",
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Off only for the test suite's plain-HTTP live server.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every rendering step at INFO; its warnings (missing fonts, bad CSS) still show.
    "loggers": {
        # Django's default logging gives "django" a console handler of its own (with debug on), so
        # each django.* line ("Watching for file changes") came twice; the root handler is enough.
        "django": {"level": "INFO"},
        # django-axes announces itself at every start: each manage.py command, runserver's two processes.
        "axes.apps": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Tasks run eagerly inside the web process or command when there is no broker: a line per
        # task ("succeeded in 0.05s") is worker log with no worker, so only their failures show.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}

# --- Billing ------------------------------------------------------------------------------------
# The seller printed on invoices until the admin's seller profile (billing.SellerProfile) is saved;
# in production set these through the environment or fill the profile in the admin once.
BILLING_SELLER = {
    "company": env.str("BILLING_SELLER_COMPANY", default="Beispiel Handel GmbH"),
    "street": env.str("BILLING_SELLER_STREET", default="Musterstraße 1"),
    "postcode": env.str("BILLING_SELLER_POSTCODE", default="10115"),
    "city": env.str("BILLING_SELLER_CITY", default="Berlin"),
    "country": env.str("BILLING_SELLER_COUNTRY", default="DE"),
    "vat_id": env.str("BILLING_SELLER_VAT_ID", default="DE123456789"),
    "tax_number": env.str("BILLING_SELLER_TAX_NUMBER", default="30/123/45678"),
    "register": env.str("BILLING_SELLER_REGISTER", default="Amtsgericht Berlin-Charlottenburg HRB 123456"),
    "managing_directors": env.str("BILLING_SELLER_DIRECTORS", default="Erika Mustermann"),
    "email": env.str("BILLING_SELLER_EMAIL", default="rechnung@example.com"),
    "phone": env.str("BILLING_SELLER_PHONE", default="+49 30 1234567"),
    "website": env.str("BILLING_SELLER_WEBSITE", default="www.example.com"),
    "bank_name": env.str("BILLING_SELLER_BANK", default="Beispielbank Berlin"),
    "iban": env.str("BILLING_SELLER_IBAN", default="DE02120300000000202051"),
    "bic": env.str("BILLING_SELLER_BIC", default="BYLADEM1001"),
}
# Dunning (billing.services.dunning): the payment reminder (level 1), the first (2) and the second
# dunning notice (3), each sent once an invoice is this many days past its due date (and the
# deadline of the level before has passed), with this fee. Each reminder gives the customer
# BILLING_DUNNING_PAY_WITHIN_DAYS more to pay.
BILLING_DUNNING_LEVELS = [
    {
        "level": 1,
        "days": env.int("BILLING_DUNNING_REMINDER_DAYS", default=7),
        "fee": env.str("BILLING_DUNNING_REMINDER_FEE", default="0.00"),
    },
    {
        "level": 2,
        "days": env.int("BILLING_DUNNING_FIRST_NOTICE_DAYS", default=21),
        "fee": env.str("BILLING_DUNNING_FIRST_NOTICE_FEE", default="5.00"),
    },
    {
        "level": 3,
        "days": env.int("BILLING_DUNNING_SECOND_NOTICE_DAYS", default=35),
        "fee": env.str("BILLING_DUNNING_SECOND_NOTICE_FEE", default="10.00"),
    },
]
BILLING_DUNNING_PAY_WITHIN_DAYS = env.int("BILLING_DUNNING_PAY_WITHIN_DAYS", default=7)
# Accounting export in DATEV's booking-batch format (billing.datev, /reports/accounting/): the tax
# consultant's and client's numbers, the first day of the fiscal year (month-day), the length of
# general ledger accounts (debtor accounts are one digit longer) and the accounts booked, SKR03 by
# default. Revenue accounts are DATEV automatic accounts (the VAT follows from the account); OSS
# sales go to their country's account (else the OSS default) with the destination and its rate.
BILLING_DATEV = {
    "consultant_number": env.int("DATEV_CONSULTANT_NUMBER", default=1001),
    "client_number": env.int("DATEV_CLIENT_NUMBER", default=1),
    "fiscal_year_start": env.str("DATEV_FISCAL_YEAR_START", default="01-01"),
    "account_length": env.int("DATEV_ACCOUNT_LENGTH", default=4),
    "chart_of_accounts": env.str("DATEV_CHART_OF_ACCOUNTS", default="03"),
    "debtor_account": env.str("DATEV_DEBTOR_ACCOUNT", default="10000"),
    # Where money arrives, per payment provider ("" for any other: the bank account).
    "payment_accounts": {
        "": env.str("DATEV_BANK_ACCOUNT", default="1200"),
        "stripe": env.str("DATEV_STRIPE_ACCOUNT", default="1361"),
        "paypal": env.str("DATEV_PAYPAL_ACCOUNT", default="1362"),
    },
    # Domestic revenue per VAT rate (%).
    "revenue_accounts": {
        "19.00": env.str("DATEV_REVENUE_19_ACCOUNT", default="8400"),
        "7.00": env.str("DATEV_REVENUE_7_ACCOUNT", default="8300"),
        "0.00": env.str("DATEV_REVENUE_0_ACCOUNT", default="8200"),
    },
    "reverse_charge_account": env.str("DATEV_REVENUE_INTRA_EU_ACCOUNT", default="8125"),
    "export_account": env.str("DATEV_REVENUE_EXPORT_ACCOUNT", default="8120"),
    "oss_account": env.str("DATEV_REVENUE_OSS_ACCOUNT", default="8320"),
    # Per destination country, e.g. {"AT": "8321"}: DATEV_OSS_ACCOUNTS="AT=8321,FR=8322".
    "oss_accounts": env.dict("DATEV_OSS_ACCOUNTS", default={}),
}
