"""Settings for the storefront, in one module, driven by environment variables.

With nothing set the shop runs on SQLite with local sign-in; `make run` turns DEBUG on and
supplies a local secret key. Every variable read here is documented in docs/configuration.md.
"""

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ecommerce.database import database_config, replica_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it to a long random value "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
        "`make run` creates a local one for you."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "health_check",
    "csp",
    "mozilla_django_oidc",
    "django_countries",
    "import_export",
    # Failed password sign-ins: counted per account and per client, locked out for a while.
    "axes",
    # The project package: its management commands (bootstrap_databases); no models.
    "ecommerce",
    "accounts",
    "catalog",
    "orders",
    "reviews",
    "pages",
    "demo",
]

MIDDLEWARE = [
    # First, so the load balancer's probes skip host validation, sessions and cookies.
    "ecommerce.health.HealthCheckMiddleware",
    "ecommerce.logs.RequestLogMiddleware",
    # Before anything reads the body: an oversized upload is refused from its Content-Length.
    "ecommerce.security.RequestBodyLimit",
    "django.middleware.security.SecurityMiddleware",
    "ecommerce.security.PermissionsPolicy",
    # Outside sessions and authentication, so it sees what they did to the response.
    "ecommerce.privacy.PrivatePages",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ecommerce.errors.RefuseNulBytes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecommerce.security.StaffSessionIdleTimeout",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the others, so the page it puts on an empty 405 gets their headers.
    "ecommerce.errors.MethodNotAllowedPage",
    # Turns a sign-in that django-axes refused into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ecommerce.urls"
WSGI_APPLICATION = "ecommerce.wsgi.application"

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
                "catalog.context_processors.navigation",
                "orders.context_processors.cart_summary",
                "orders.context_processors.shipping_terms",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# DATABASE_URL, or the DB_* variables of the deployment documents, or SQLite for local use.
# Persistent connections with health checks rather than Django's pool: docs/configuration.md.

DATABASES = {"default": database_config(env, sqlite_path=BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# An optional read replica (same credentials) for catalog pages; see ecommerce.routers.
if env.str("DB_REPLICA_HOST", default=""):
    DATABASES["replica"] = replica_config(DATABASES["default"], host=env.str("DB_REPLICA_HOST"))
    DATABASE_ROUTERS = ["ecommerce.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("ecommerce.logs.RequestLogMiddleware") + 1,
                      "ecommerce.routers.ReplicaRoutingMiddleware")  # fmt: skip

# --- Cache and sessions -----------------------------------------------------------------------
# Redis (ElastiCache) when REDIS_URL is set, shared by every process; else per-process memory.
# Sessions live in the database, read through the cache only when the cache is shared, so a
# shopper's session and cart follow them from one process to another either way.

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "storefront",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Catalog pages kept for everyone in the cache, each visitor's own parts filled in
# (catalog.page_cache). Only with a shared cache, and not with a read replica, whose lag could
# keep a page already old.
CATALOG_PAGE_CACHE = env.bool(
    "CATALOG_PAGE_CACHE", default=bool(REDIS_URL) and "replica" not in DATABASES
)
# The release (set in the image by the Dockerfile): cached pages of one release are not
# served by another. Without it, this process's own (and its forked workers'): a checkout.
RELEASE_ID = env.str("RELEASE_ID", default="") or secrets.token_hex(8)

# --- Accounts ---------------------------------------------------------------------------------

# Keycloak (OpenID Connect) when KEYCLOAK_URL, KEYCLOAK_REALM and OIDC_RP_CLIENT_ID are set;
# otherwise local username/password sign-in, so `make run` needs no identity provider.
KEYCLOAK_URL = env.str("KEYCLOAK_URL", default="").rstrip("/")
KEYCLOAK_REALM = env.str("KEYCLOAK_REALM", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(KEYCLOAK_URL and KEYCLOAK_REALM and OIDC_RP_CLIENT_ID)
# Break-glass: the admin's own password form while Keycloak is configured (off by default).
ADMIN_PASSWORD_LOGIN = env.bool("DJANGO_ADMIN_PASSWORD_LOGIN", default=not OIDC_ENABLED)

if OIDC_ENABLED:
    # The browser uses KEYCLOAK_URL; the shop's own calls may take a private route to Keycloak
    # (KEYCLOAK_INTERNAL_URL: a service-discovery name on ECS, a service name in compose).
    OIDC_OP_ISSUER = f"{KEYCLOAK_URL}/realms/{KEYCLOAK_REALM}"
    _browser = f"{OIDC_OP_ISSUER}/protocol/openid-connect"
    _backchannel = (
        f"{env.str('KEYCLOAK_INTERNAL_URL', default=KEYCLOAK_URL).rstrip('/')}"
        f"/realms/{KEYCLOAK_REALM}/protocol/openid-connect"
    )
    OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_browser}/auth"
    OIDC_OP_LOGOUT_ENDPOINT = f"{_browser}/logout"
    OIDC_OP_TOKEN_ENDPOINT = f"{_backchannel}/token"
    OIDC_OP_USER_ENDPOINT = f"{_backchannel}/userinfo"
    OIDC_OP_JWKS_ENDPOINT = f"{_backchannel}/certs"
    OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_SCOPES = "openid email profile"
    OIDC_USE_PKCE = True
    OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
    OIDC_USE_NONCE = True
    OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
    OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=5)  # every call to Keycloak is bounded
    OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", default=900)
    OIDC_OP_LOGOUT_URL_METHOD = "accounts.oidc.keycloak_logout_url"
    OIDC_CALLBACK_CLASS = "accounts.oidc.KeycloakCallbackView"  # says why a sign-in failed
    OIDC_EXEMPT_URLS = ["accounts:logout", "oidc_logout"]
    LOGIN_REDIRECT_URL_FAILURE = "/"
    AUTHENTICATION_BACKENDS = [
        # Lets Keycloak's sign-ins through untouched (accounts.lockout.not_a_password_sign_in).
        "axes.backends.AxesStandaloneBackend",
        "accounts.oidc.KeycloakBackend",
        *(["django.contrib.auth.backends.ModelBackend"] if ADMIN_PASSWORD_LOGIN else []),
    ]
    # Re-checks the session with Keycloak when the ID token expires (signed out if disabled).
    MIDDLEWARE.append("accounts.oidc.KeycloakSessionRefresh")
else:
    # django-axes first: it refuses a locked-out sign-in before the password is hashed.
    AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
OIDC_STAFF_ROLE = env.str("KEYCLOAK_STAFF_ROLE", default="shop-staff")
OIDC_ADMIN_ROLE = env.str("KEYCLOAK_ADMIN_ROLE", default="shop-admin")

# Password sign-in (the local form and the admin's) against guessing: django-axes, tuned in
# accounts.lockout. Failures within the cool-off lock the account (from any client) at
# SHOP_SIGN_IN_FAILURE_LIMIT, and the client IP (for every account) at
# SHOP_SIGN_IN_IP_FAILURE_LIMIT; the lock lifts SHOP_SIGN_IN_COOLOFF_MINUTES after the last
# attempt, or when staff delete the access attempts in the admin (or `axes_reset_username`).
AXES_FAILURE_LIMIT = env.int("SHOP_SIGN_IN_FAILURE_LIMIT", default=5)
SIGN_IN_IP_FAILURE_LIMIT = env.int("SHOP_SIGN_IN_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SHOP_SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.SignInAttempts"
AXES_USERNAME_CALLABLE = "accounts.lockout.account_username"
AXES_WHITELIST_CALLABLE = "accounts.lockout.not_a_password_sign_in"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "ecommerce.security.client_ip"
AXES_RESET_ON_SUCCESS = True
# An attempt while locked out (the right password too) starts the cool-off again: the lockout
# page's "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# No table of successful sign-ins (it would grow without end); failures are logged at WARNING
# with the client IP, never the password nor what was typed as the user name (people type
# passwords there by mistake).
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # accounts/admin.py shows the attempts, not axes' other tables
# Proxies in front of the shop that append to X-Forwarded-For (the ALB); 0 without one.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1)

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Product images: on S3 (django-storages) when a bucket is named, else local files.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_REGION_NAME = env.str("AWS_REGION", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or (
        f"{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    )
    AWS_S3_FILE_OVERWRITE = False
    AWS_DEFAULT_ACL = None  # the bucket's policy decides; no per-object ACLs
    MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/"
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    MEDIA_URL = "media/"
    MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ---------------------------------------------------------------------------------
# TLS ends at the load balancer, which tells us the original scheme in X-Forwarded-Proto.

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Plain HTTP is redirected to HTTPS outside local debugging (the ALB's HTTP listener does it
# too; X-Forwarded-Proto above says which a request was). The ALB's and ECS's health probes
# speak plain HTTP: ecommerce.health answers them before this middleware, and they are exempt.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^health/live/$"]
# Browsers honour HSTS only over HTTPS, so a year by default is safe outside local debugging.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of the shop uses, refused to any script or frame (ecommerce.security).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "serial": [],
    "usb": [],
}
# Largest request body (ecommerce.security.RequestBodyLimit, a 413 above): the admin's, whose
# product picture forms are the only ones taking files, and every other URL's.
MAX_ADMIN_REQUEST_BODY_BYTES = env.int("DJANGO_MAX_UPLOAD_MB", default=10) * 1024 * 1024
MAX_REQUEST_BODY_BYTES = env.int("DJANGO_MAX_REQUEST_BODY_KB", default=256) * 1024
# Staff sessions end after this long without a request (shoppers': SESSION_COOKIE_AGE, 2 weeks).
STAFF_SESSION_IDLE_TIMEOUT = 60 * env.int("DJANGO_STAFF_SESSION_IDLE_MINUTES", default=30)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preloading is a commitment to the browsers' built-in lists that is slow to undo;
    # an operator opts in with DJANGO_SECURE_HSTS_PRELOAD=true, so the check's nudge is noise.
    "security.W021",
]

# /health/ says only "ok" or "unavailable" to the world; each check's result only to a caller
# sending `X-Health-Detail: <this token>` (ops, deploy gates). Empty: to nobody (logs only).
HEALTH_DETAIL_TOKEN = env.str("HEALTH_DETAIL_TOKEN", default="")

# Content-Security-Policy (django-csp): the shop's pages use no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([MEDIA_URL] if MEDIA_URL.startswith("https://") else [])],
        "form-action": [SELF, *([KEYCLOAK_URL] if KEYCLOAK_URL else [])],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- E-mail -----------------------------------------------------------------------------------

# One URL: `consolemail://` (default, prints to stderr) or `smtp+tls://user:password@host:587`.
globals().update(
    {
        name: value
        for name, value in env.email_url("DJANGO_EMAIL_URL", default="consolemail://").items()
        if value is not None
    }
)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
# Order e-mails carry names and addresses: with DEBUG off, printing them would put them in the
# logs (CloudWatch), so gunicorn refuses to start on the console backend
# (ecommerce.security.refuse_console_email) unless this deliberate opt-out is set.
ALLOW_CONSOLE_EMAIL = DEBUG or env.bool("DJANGO_ALLOW_CONSOLE_EMAIL", default=False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="shop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets the staff e-mails (the low-stock digest): comma-separated addresses.
MANAGERS = [("Shop staff", address) for address in env.list("SHOP_STAFF_EMAILS", default=[])]

# --- Logging ----------------------------------------------------------------------------------
# One JSON object per line on stdout, for CloudWatch Logs via the awslogs driver; plain text
# with DJANGO_LOG_FORMAT=plain (make run). Every record carries the request id.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ecommerce.logs.RequestIdFilter"},
        "security_events": {"()": "ecommerce.security.SecurityEventsAsWarnings"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                # The metrics' EMF block (ecommerce.metrics): extras starting with _ are dropped.
                "aws_emf": "_aws",
            },
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": env.str("DJANGO_LOG_FORMAT", default="json"),
            # security_events: Django's django.security.* events at WARNING, in one line.
            "filters": ["request_id", "security_events"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's own default sends these to a second console handler; let them reach the root once.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # django-axes: a WARNING line per failed sign-in (and lockout); its INFO chatter is off.
        "axes": {"level": "WARNING"},
    },
}

# Metrics in CloudWatch's embedded metric format, in each request's access-log line (names in
# ecommerce.metrics); only JSON lines carry them, so off by default with plain logs.
METRICS_ENABLED = env.bool(
    "METRICS_ENABLED", default=env.str("DJANGO_LOG_FORMAT", default="json") == "json"
)
METRICS_NAMESPACE = env.str("METRICS_NAMESPACE", default="Storefront")

# --- Shop -------------------------------------------------------------------------------------

LOW_STOCK_THRESHOLD = env.int("SHOP_LOW_STOCK_THRESHOLD", default=5)
SHIPPING_COST = Decimal(env.str("SHOP_SHIPPING_COST", default="4.90"))
FREE_SHIPPING_FROM = Decimal(env.str("SHOP_FREE_SHIPPING_FROM", default="50.00"))
REVIEWS_REQUIRE_APPROVAL = env.bool("SHOP_REVIEWS_REQUIRE_APPROVAL", default=True)
# Orders one account may place in an hour: placing and cancelling costs nothing, and every order
# sends an e-mail.
MAX_ORDERS_PER_HOUR = env.int("SHOP_MAX_ORDERS_PER_HOUR", default=10)

# Import and export in the admin (django-import-export): importing needs the model's change
# permission (products: add too), exporting its view permission; without these settings any
# staff member could import or export every model that offers it.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The file uploaded for an import's preview, until "Confirm import": in the shared cache when
# there is one (the two requests may reach different containers), else a temporary file.
if REDIS_URL:
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
