"""Settings for the tensor playground.

Everything comes from the environment with safe defaults; unset, the site runs on the
embedded default (SQLite, in-memory channel layer, local workers).
"""
import os
import secrets
import tempfile
import warnings
from pathlib import Path

from playground.policy import DEFAULTS as POLICY

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    """SECRET_KEY from the environment, else generated once and kept outside the repo."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(os.environ.get("PLAYGROUND_SECRET_FILE", Path.home() / ".tensor-playground-secret"))
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "playground.runs",
    "playground.dashboard",
    "playground.notebooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "playground.runs.middleware.JsonApiErrors",
    "playground.runs.middleware.ContentSecurityPolicy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language: the switch's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"

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
                "playground.i18n.page_context",   # the scripts' catalog, status words
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
        # The event sink writes from executor threads while pages read: wait for the lock
        # instead of failing, and take the write lock up front so two writers never deadlock.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        # Tests too use a file: SQLite's shared in-memory database answers "table is locked"
        # instead of waiting when the sink's threads write while a request reads.
        "TEST": {"NAME": os.path.join(tempfile.gettempdir(),
                                      f"playground-test-{os.getpid()}.sqlite3")},
    }
}
if os.environ.get("DATABASE_URL"):  # scaled out: PostgreSQL (needs dj-database-url + psycopg)
    import dj_database_url

    DATABASES["default"] = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)

if os.environ.get("REDIS_URL"):  # scaled out: workers on other hosts publish through Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    # Pub/sub: events are stored before they are published, so a page only needs what is
    # published while it listens; and this layer reconnects by itself when Redis restarts
    # (a pooled connection that died with the old Redis is retried on a new one).
    CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": os.environ["REDIS_URL"],
                              "retry_on_error": [RedisConnectionError]}]}}}
    # Request-rate counters (the API's throttles) shared by every web process.
    # Short timeouts: while Redis is away the throttles count in each process instead
    # (runs/throttle.py), and no request should wait long to find that out.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"],
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    # One process: events are batched by the sink, so a few hundred queued messages is plenty.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": 1000}}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
# The interface's languages (the tutorial this site grew from is in Chinese). Translations
# are in locale/ (.po and their compiled .mo, both committed: see docs/i18n.md).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600   # the switch remembers the choice for a year
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic (which .ci/setup runs) writes each file under a name with its hash, gzipped,
# and a manifest; WhiteNoise then serves those with a cache of a year (the name changes with
# the content) and compressed. Modules' imports of each other are rewritten to the hashed
# names too. Without collectstatic (a fresh clone, DEBUG) pages use the plain names, served
# straight from static/ by the finders: see playground/static_storage.py.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "playground.static_storage.HashedStaticFiles"},
}
STATIC_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = DEBUG
# ...and staticfiles/ only exists once someone ran collectstatic: not worth a warning.
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
# Behind an HTTPS proxy (scaled out): trust its X-Forwarded-Proto, redirect plain HTTP, and
# ask browsers to stay on HTTPS. Off by default: the embedded site is plain http://127.0.0.1.
if env_bool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"playground": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}},
}

# --- the site: runs, quotas and rate limits (each overridable from the environment) ---
def env_int(name, default):
    return int(os.environ.get(name, default))


# The run policy (devices, run kinds and their limits, code size, quotas, the local pool):
# its defaults live in playground/policy.py, which reads the PLAYGROUND_* settings below once.
PLAYGROUND_MAX_CODE_BYTES = env_int("PLAYGROUND_MAX_CODE_BYTES", POLICY.max_code_bytes)
PLAYGROUND_MAX_STORED_OUTPUT = env_int("PLAYGROUND_MAX_STORED_OUTPUT", 1024 * 1024)  # per stream
# Metric points stored per run (the dashboard, replays, REST and CSV read them); later points
# are shown live only, and the run says so. The sandbox sends at most 200,000 a run.
PLAYGROUND_MAX_STORED_METRIC_POINTS = env_int("PLAYGROUND_MAX_STORED_METRIC_POINTS", 100_000)
PLAYGROUND_MAX_STORED_DISPLAYS = env_int("PLAYGROUND_MAX_STORED_DISPLAYS", 200)
# ...and their JSON in bytes, all together (one display may be 512 KiB).
PLAYGROUND_MAX_STORED_DISPLAY_BYTES = env_int("PLAYGROUND_MAX_STORED_DISPLAY_BYTES", 8 << 20)
PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = env_int("PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT",
                                                POLICY.active_runs_per_client)
PLAYGROUND_RUNS_PER_MINUTE = env_int("PLAYGROUND_RUNS_PER_MINUTE", POLICY.runs_per_minute)
# Long runs (kinds with a longer wall time than a snippet's, e.g. "training") queued or
# running per client; the site takes at most half of the pool's slots of them at once.
PLAYGROUND_MAX_LONG_RUNS_PER_CLIENT = env_int("PLAYGROUND_MAX_LONG_RUNS_PER_CLIENT",
                                              POLICY.long_runs_per_client)
# Queued or running runs from one address, whatever sessions they come with.
PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS = env_int("PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS",
                                                 POLICY.active_runs_per_address)
PLAYGROUND_HISTORY_LENGTH = env_int("PLAYGROUND_HISTORY_LENGTH", 50)
# Runs still going that one websocket may follow at once (finished runs do not count).
PLAYGROUND_MAX_WATCHES_PER_SOCKET = env_int("PLAYGROUND_MAX_WATCHES_PER_SOCKET", 20)
# Websockets open at once from one address, per web process.
PLAYGROUND_MAX_SOCKETS_PER_ADDRESS = env_int("PLAYGROUND_MAX_SOCKETS_PER_ADDRESS", 100)
# A watch replays each metric series downsampled to at most this many points (M4: extremes
# kept; the full series is at /api/runs/<id>/metrics/), and one websocket may receive at most
# PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE of replays a minute (more watches are refused).
PLAYGROUND_REPLAY_POINTS_PER_SERIES = env_int("PLAYGROUND_REPLAY_POINTS_PER_SERIES", 2000)
PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE = env_int("PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE", 32 << 20)
# A websocket whose client leaves this many bytes unread is closed (embedded under daphne):
# a client that asks and never reads would make the server buffer without end.
PLAYGROUND_WS_MAX_UNREAD_BYTES = env_int("PLAYGROUND_WS_MAX_UNREAD_BYTES", 8 << 20)
# Messages (run, watch, cancel) one websocket may send a minute.
PLAYGROUND_WS_MESSAGES_PER_MINUTE = env_int("PLAYGROUND_WS_MESSAGES_PER_MINUTE", 120)
# The largest message a websocket sends (bytes): larger events go out in pieces, each with
# the event's seq (daphne refuses messages over 1 MiB and closed the socket).
PLAYGROUND_WS_MAX_MESSAGE_BYTES = env_int("PLAYGROUND_WS_MAX_MESSAGE_BYTES", 256 * 1024)
# How long the event sink holds events before writing them (seconds): fewer DB writes and
# websocket frames for chatty code, still live to a person watching.
PLAYGROUND_SINK_FLUSH_SECONDS = float(os.environ.get("PLAYGROUND_SINK_FLUSH_SECONDS", "0.1"))
# Read-only API calls per client (django-ninja throttling syntax).
PLAYGROUND_API_READ_RATE = os.environ.get("PLAYGROUND_API_READ_RATE", "600/m")

# --- execution service ---
# Which executor runs code ("local": warm sandboxes on this host, "celery": worker hosts)
# and, embedded, how many sandboxes run at once (0: one per core) and how the pool shares them.
PLAYGROUND_EXECUTOR = os.environ.get("PLAYGROUND_EXECUTOR", POLICY.executor)
PLAYGROUND_POOL_SIZE = env_int("PLAYGROUND_POOL_SIZE", POLICY.pool_size)
PLAYGROUND_QUEUE_MAX = env_int("PLAYGROUND_QUEUE_MAX", POLICY.queue_max)
PLAYGROUND_CLIENT_MAX_RUNNING = env_int("PLAYGROUND_CLIENT_MAX_RUNNING", POLICY.running_per_client)
PLAYGROUND_CLIENT_MAX_QUEUED = env_int("PLAYGROUND_CLIENT_MAX_QUEUED", POLICY.queued_per_client)
# "auto" picks the strongest isolation that works here (bwrap, unshare, none); see
# docs/security.md. Runs use uid PLAYGROUND_SANDBOX_UID_BASE + slot when the server is root.
PLAYGROUND_SANDBOX_ISOLATION = os.environ.get("PLAYGROUND_SANDBOX_ISOLATION",
                                              POLICY.sandbox_isolation)
PLAYGROUND_SANDBOX_UID_BASE = env_int("PLAYGROUND_SANDBOX_UID_BASE", POLICY.sandbox_uid_base)
# Per run kind, overrides of its limit profile in playground/policy.py (wall_s, cpu_s,
# memory_bytes, output_bytes, events_per_s, open_files, file_size_bytes, threads, ...); a
# kind named here that the policy lacks is a new kind.
_LIMIT_VARIABLES = {"PLAYGROUND_SNIPPET_WALL_S": (("snippet", "api"), "wall_s"),
                    "PLAYGROUND_TRAINING_WALL_S": (("training",), "wall_s"),
                    "PLAYGROUND_TRAINING_CPU_S": (("training",), "cpu_s")}
PLAYGROUND_LIMITS = {}
for _variable, (_kinds, _limit) in _LIMIT_VARIABLES.items():
    if os.environ.get(_variable):
        for _kind in _kinds:
            PLAYGROUND_LIMITS.setdefault(_kind, {})[_limit] = float(os.environ[_variable])
# Embedded, on SIGTERM: how long running runs may go on before they are stopped (failed,
# "the server shut down ..."); no new run is taken meanwhile (playground/runs/restart.py).
PLAYGROUND_SHUTDOWN_GRACE_S = float(os.environ.get("PLAYGROUND_SHUTDOWN_GRACE_S", 20))
# Scaled out (PLAYGROUND_EXECUTOR=celery): runs are Celery tasks on the "cpu"/"gpu" queues,
# brokered by Redis; the rest of the Celery setup is in playground/celery.py. A worker
# renews a lease on each of its runs in Redis; a run whose lease is gone this long is
# "worker lost" (see docs/deploy.md).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", os.environ.get("REDIS_URL", ""))
PLAYGROUND_WORKER_LEASE_S = float(os.environ.get("PLAYGROUND_WORKER_LEASE_S", 10))
# Notebook kernels (embedded, and on each Celery worker host): at most PLAYGROUND_KERNELS_MAX
# at once on a host (0: four per run slot), each in a sandbox of its own beside the run slots, and
# PLAYGROUND_KERNELS_PER_CLIENT per visitor. PLAYGROUND_KERNEL_LIMITS overrides the fields of
# playground.sandbox.limits.KernelLimits (lifetime_s, idle_s, input_wait_s,
# interrupt_grace_s, cpu_total_s); a cell's own limits are the "notebook" kind's above.
PLAYGROUND_KERNELS_MAX = env_int("PLAYGROUND_KERNELS_MAX", POLICY.kernels_max)
PLAYGROUND_KERNELS_PER_CLIENT = env_int("PLAYGROUND_KERNELS_PER_CLIENT",
                                        POLICY.kernels_per_client)
PLAYGROUND_KERNEL_LIMITS = {}
if os.environ.get("PLAYGROUND_KERNEL_IDLE_S"):
    PLAYGROUND_KERNEL_LIMITS["idle_s"] = float(os.environ["PLAYGROUND_KERNEL_IDLE_S"])
# --- end execution service ---

# The seed tutorial that "Open as notebook" loads (beside the checkout, as CI lays it out).
PLAYGROUND_TUTORIAL_PATH = os.environ.get(
    "PLAYGROUND_TUTORIAL_PATH", str(BASE_DIR.parent / "shared" / "seed" / "pytorch-tutorial.md"))
