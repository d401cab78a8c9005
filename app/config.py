"""Settings read from environment variables, one class per environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool | None) -> bool | None:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Shared by every environment; each value can be overridden from the environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite file in instance/
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))
    # Threads of one worker that may wait for SQLite's write lock at once; serve with more threads than
    # this, so that page views always have one (app.database, docs/DEPLOYMENT.md).
    SQLITE_WAITING_WRITERS = int(os.environ.get("SQLITE_WAITING_WRITERS", "3"))
    # Statement parameters (ballots among them) never reach logs or error messages, even with SQL logging on.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # The address people reach the app at (scheme://host[:port]): links sent by e-mail are built from it,
    # never from a request's Host header, which anyone can set. Requests for other hosts are refused.
    BASE_URL = os.environ.get("BASE_URL") or None
    TRUSTED_HOSTS = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()] \
        if os.environ.get("TRUSTED_HOSTS") else None  # None: BASE_URL's host
    SESSION_COOKIE_NAME = "tz_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # None: secure exactly when the site is served over https (see derive_settings).
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", None)
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    INVITE_LINK_HOURS = int(os.environ.get("INVITE_LINK_HOURS", "72"))
    RESET_LINK_HOURS = int(os.environ.get("RESET_LINK_HOURS", "2"))
    # Failed sign-ins allowed (app.auth.limits): per client address; per device cookie (a browser the person
    # signed in with before); and, from browsers without one, per account and address and per account —
    # stacked limits, so the wait grows as the failures do.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_DEVICE_RATE_LIMIT = os.environ.get("LOGIN_DEVICE_RATE_LIMIT", "10 per hour")
    LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "5 per minute")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT",
                                              "10 per 10 minutes;20 per hour;50 per day")
    # Every call to /api/v1, counted per token (per address for calls without a live token).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Every limit a refused sign-in broke is known, so Retry-After names the time when all have reset.
    RATELIMIT_FAIL_ON_FIRST_BREACH = False
    # If Redis cannot be reached, each process counts on its own until it is back, rather than failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "trading-zone@localhost")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(2 * 1024 * 1024)))
    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own timeouts
    WTF_CSRF_SSL_STRICT = True
    # Scale b of the noise added to published score counts at closing (app.ratings.noise): ε = 1/b per
    # question. 0 publishes exact counts, which production refuses.
    RESULT_NOISE_SCALE = float(os.environ.get("RESULT_NOISE_SCALE", "0.5"))
    # Open rounds remind those not finished this many days before closing, and again the day before.
    REMIND_DAYS_BEFORE = int(os.environ.get("REMIND_DAYS_BEFORE", "3"))
    # An active project's lead is told a check-in is due once its last one (or its start) is this many days
    # old, and again each such period; no project stores a cadence of its own.
    CHECKIN_DAYS = int(os.environ.get("CHECKIN_DAYS", "14"))
    # A metric whose newest reading is older than this many days shows in the weekly digest.
    METRIC_FRESH_DAYS = int(os.environ.get("METRIC_FRESH_DAYS", "35"))
    DEBUG = _bool("FLASK_DEBUG", False)
    TESTING = False


class ProductionConfig(Config):
    ENV_NAME = "production"


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Exact counts, so tests of the arithmetic can state their numbers; the anonymity tests set the noise.
    RESULT_NOISE_SCALE = 0.0


CONFIGS = {c.ENV_NAME: c for c in (ProductionConfig, DevelopmentConfig, TestingConfig)}


def config_class():
    """The environment is chosen by TZ_ENV (production, development); production is the safe default."""
    name = os.environ.get("TZ_ENV", "production")
    if name not in CONFIGS:
        raise RuntimeError(f"TZ_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]


def load_secret_key(app) -> None:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if app.config.get("SECRET_KEY"):
        return
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        app.config["SECRET_KEY"] = from_env
        app.config["SECRET_KEY_FROM_ENV"] = True
        return
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: if two processes start at once, exactly one writes the key and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    app.config["SECRET_KEY"] = path.read_text().strip()
    app.config["SECRET_KEY_FROM_ENV"] = False


def derive_settings(app) -> None:
    """Settings that follow from others: the trusted host, secure cookies under https, session lifetime."""
    if app.config["BASE_URL"]:
        base = urlsplit(app.config["BASE_URL"])
        if base.scheme not in ("http", "https") or not base.hostname or base.path.strip("/") or base.query:
            raise InsecureSettings(f"BASE_URL must be http(s)://host[:port], not {app.config['BASE_URL']!r}")
        if app.config["TRUSTED_HOSTS"] is None:
            app.config["TRUSTED_HOSTS"] = [base.hostname]
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["PREFERRED_URL_SCHEME"] == "https"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "trading-zone.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):  # psycopg 3 is the driver we ship; this would ask for psycopg2
        uri = app.config["SQLALCHEMY_DATABASE_URI"] = uri.replace("postgresql://", "postgresql+psycopg://", 1)
    if uri.startswith("postgresql+psycopg://"):
        # The driver in autocommit: the app sends BEGIN itself, and none for page views (app.database).
        # A pooled connection is checked before use: after PostgreSQL restarts, the first request of each
        # worker gets its page instead of the outage page.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"],
                                                   "isolation_level": "AUTOCOMMIT", "pool_pre_ping": True}


class InsecureSettings(RuntimeError):
    """Raised at start-up when production settings would put users at risk."""


def check_production_settings(app) -> None:
    if app.config["TESTING"] or app.config["ENV_NAME"] == "development":
        return
    problems = []
    if app.debug:
        problems.append("debug mode is on (unset FLASK_DEBUG)")
    if app.config["PREFERRED_URL_SCHEME"] == "https" and not app.config["SESSION_COOKIE_SECURE"]:
        problems.append("PREFERRED_URL_SCHEME is https but SESSION_COOKIE_SECURE is off")
    if not app.config["BASE_URL"]:
        problems.append("BASE_URL (the address people reach the app at, e.g. https://tz.example.com) is not "
                        "set: links in e-mails would follow the Host header of whoever asks")
    if not app.config["RESULT_NOISE_SCALE"] > 0:
        problems.append("RESULT_NOISE_SCALE must be above 0: exact published counts can be differenced")
    workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
    if workers > 1 and not app.config.get("SECRET_KEY_FROM_ENV"):
        problems.append("several workers (WEB_CONCURRENCY) need SECRET_KEY set in the environment")
    if problems:
        raise InsecureSettings("Refusing to start: " + "; ".join(problems))
