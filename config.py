"""Configuration classes, every value read from the environment with a safe default for development.

`create_app()` picks the class named by MOBILITY_CONFIG (development, testing, production);
see README.md, "Configuration", for the variables.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _engine_options(url: str) -> dict:
    """PostgreSQL: a connection the server closed while idle (a restart, a firewall) is replaced before
    use (pre-ping), and none is kept longer than half an hour. SQLite's connections are local files."""
    if not url.startswith("postgresql"):
        return {}
    return {"pool_pre_ping": True, "pool_recycle": 1800}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'mobility.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = _engine_options(SQLALCHEMY_DATABASE_URI)

    # Languages: English is the source; the three East Asian catalogs must be complete.
    LANGUAGES = ["en", "zh_Hans", "ja", "ko"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Sessions: HttpOnly + SameSite=Lax always; Secure in production. The idle and absolute
    # lifetimes are enforced server-side on the UserSession row (see accounts/sessions.py).
    SESSION_COOKIE_NAME = "mobility_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 60))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Argon2id cost of new password hashes (mobility/accounts/passwords.py): keep the default in production.
    PASSWORD_HASH_PROFILE = os.environ.get("PASSWORD_HASH_PROFILE", "rfc9106_low_memory")

    # Two-factor sign-in (README, "Security"): required of programme managers and administrators when on (they
    # are taken to the set-up page until it is done); optional for everyone else. On in production.
    TWO_FACTOR_REQUIRED_FOR_OFFICE = _env_bool("TWO_FACTOR_REQUIRED_FOR_OFFICE", False)
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Mobility")  # the name authenticator apps show
    # How long the second step waits for the code after the password was accepted.
    TWO_FACTOR_PENDING_SECONDS = _env_int("TWO_FACTOR_PENDING_SECONDS", 300)

    WTF_CSRF_TIME_LIMIT = _env_int("WTF_CSRF_TIME_LIMIT", 3600)
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    # The longest form (a call's rate table) has a few hundred fields; a flood of parts is refused (413).
    MAX_FORM_PARTS = _env_int("MAX_FORM_PARTS", 1000)

    # Attachments: stored outside the web root; limits per file and per application.
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR", str(INSTANCE_DIR / "attachments"))
    # "local" (ATTACHMENT_DIR) or "s3": an S3-compatible bucket every app machine shares. Credentials come
    # from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or an instance role.
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")      # unset for AWS; e.g. https://minio.internal:9000
    S3_REGION = os.environ.get("S3_REGION")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")              # e.g. "mobility/" to share a bucket
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "auto")  # "path" for most MinIO set-ups
    MAX_ATTACHMENT_BYTES = _env_int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    MAX_APPLICATION_ATTACHMENT_BYTES = _env_int("MAX_APPLICATION_ATTACHMENT_BYTES", 40 * 1024 * 1024)
    MAX_ATTACHMENTS_PER_APPLICATION = _env_int("MAX_ATTACHMENTS_PER_APPLICATION", 12)

    # Signed links.
    EMAIL_CONFIRM_MAX_AGE = timedelta(days=3)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
    HOST_LINK_MAX_AGE = timedelta(days=60)
    TEAM_INVITATION_MAX_AGE = timedelta(days=30)

    # Rate limits (Flask-Limiter). Redis when RATELIMIT_STORAGE_URI is set (several workers).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "mobility")  # several apps, one Redis
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: limits are counted in each process's memory (with a warning) until it is back,
    # so sign-in and pages keep working.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    SIGN_IN_LIMIT_PER_IP = os.environ.get("SIGN_IN_LIMIT_PER_IP", "30 per 15 minutes")
    # JSON API requests per personal token (or per address for public reads without one).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    # Mail to addresses someone typed (team invitations, host confirmation requests), per 24 hours.
    TYPED_MAIL_PER_APPLICATION_PER_DAY = _env_int("TYPED_MAIL_PER_APPLICATION_PER_DAY", 10)
    TYPED_MAIL_PER_ACCOUNT_PER_DAY = _env_int("TYPED_MAIL_PER_ACCOUNT_PER_DAY", 20)
    # Registration and password-reset mail to one typed address, and registrations per network address.
    MAIL_TO_TYPED_ADDRESS_LIMIT = os.environ.get("MAIL_TO_TYPED_ADDRESS_LIMIT", "3 per hour")
    REGISTER_LIMIT_PER_IP = os.environ.get("REGISTER_LIMIT_PER_IP", "20 per hour")
    # How many reverse proxies in front of the app may set X-Forwarded-For. 0 = trust none,
    # so a spoofed header can never change the address used for rate limits and the audit log.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # Network addresses (audit log, sign-ins, acceptance records) are kept this many days, then removed
    # by the daily clean-up (`flask jobs prune`; see mobility/privacy/retention.py).
    IP_RETENTION_DAYS = _env_int("IP_RETENTION_DAYS", 90)

    # Mail: "console" prints, "smtp" sends, "outbox" only keeps the outbox row (tests).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Mobility <no-reply@mobility.invalid>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = _env_int("SMTP_PORT", 587)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)

    # Background jobs (exports, assignment runs, mail delivery) on RQ. Unset: they run in the web process,
    # right after the request (development, tests); set it to a Redis URL and run `flask jobs worker`.
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL") or None
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "mobility")
    JOB_RETRIES = _env_int("JOB_RETRIES", 3)
    JOB_RETRY_INTERVALS = os.environ.get("JOB_RETRY_INTERVALS", "10,60,300")  # seconds before each retry
    JOB_TIMEOUT = _env_int("JOB_TIMEOUT", 1800)  # seconds one attempt may take

    # Absolute links in mail (a request is not always there to build them from).
    SERVER_NAME = os.environ.get("SERVER_NAME")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    HSTS = False

    # The memoised ranking and dashboard figures (mobility/core/memo.py), as JSON: in Redis when set, so
    # every worker shares them; otherwise in each process. Either way each change forgets them explicitly.
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")

    # bench/pages.py only: a route that returns a fixed string through the same middleware, the yardstick
    # the pages are compared with. Off everywhere else (see mobility/core/bench.py).
    BENCH_ENDPOINT = _env_bool("BENCH_ENDPOINT", False)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = _engine_options(SQLALCHEMY_DATABASE_URI)
    MAIL_BACKEND = "outbox"
    RATELIMIT_STORAGE_URI = "memory://"
    JOB_QUEUE_URL = None  # in-process; the queue's own tests set it
    JOB_RETRY_INTERVALS = "0"
    ATTACHMENT_DIR = os.environ.get("TEST_ATTACHMENT_DIR", "/tmp/mobility-test-attachments")
    STORAGE_BACKEND = "local"  # tests that need S3 choose it themselves (tests/s3.py)
    READ_ONLY_REQUESTS_FAIL_ON_WRITE = True  # a GET that writes fails its test (mobility/core/unit_of_work.py)
    TWO_FACTOR_REQUIRED_FOR_OFFICE = False  # tests that need it turn it on (tests/http/test_two_factor_http.py)
    PASSWORD_HASH_PROFILE = "cheapest"  # the suite hashes hundreds of passwords; production cost is ~1 s each


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    HSTS = True
    REQUIRE_SECRET_KEY = True
    # Every link in a mail (password reset, confirmations, invitations) is built on SERVER_NAME, never on
    # the Host header a request brings: production refuses to start without it.
    REQUIRE_SERVER_NAME = True
    TWO_FACTOR_REQUIRED_FOR_OFFICE = _env_bool("TWO_FACTOR_REQUIRED_FOR_OFFICE", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
