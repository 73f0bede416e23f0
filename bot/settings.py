"""One typed settings object, read from the environment and `.env`, validated at start-up."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Development defaults: tests and a bare checkout run with them; `make run` generates its own
# (var/secrets.env) and production refuses them (`production_problems`).
DEV_RASA_TOKEN = "local-dev-rasa-token"  # noqa: S105 - refused in production
DEV_ACTION_SERVER_TOKEN = "local-dev-action-server-token"  # noqa: S105 - refused in production
DEV_SESSION_SECRET = "local-dev-session-secret-change-me-32b"  # noqa: S105 - refused in production
DEV_FACTS_SIGNING_KEY = "local-dev-facts-signing-key"
MIN_SECRET_CHARS = 24
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "gospomoshnik.db"


class Settings(BaseSettings):
    """Every knob of the app, the action server and the tools; names are the env variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL; sqlite+aiosqlite by default, postgresql+asyncpg in production",
    )
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr(DEV_RASA_TOKEN)
    rasa_timeout_s: float = 30.0
    action_server_url: str = "http://127.0.0.1:5055"
    redis_url: str | None = None
    public_url: str | None = None
    app_host: str = "0.0.0.0"  # noqa: S104 - the app is a network service
    app_port: int = 8080
    session_secret: SecretStr = SecretStr(DEV_SESSION_SECRET)
    # --- trust boundaries (docs/security.md) ---
    app_env: Literal["development", "production"] = Field(
        default="development",
        description="production refuses every development default secret (so does PUBLIC_URL)",
    )
    action_server_token: SecretStr = Field(
        default=SecretStr(DEV_ACTION_SERVER_TOKEN),
        description="shared secret Rasa sends with every action call (endpoints `token:`)",
    )
    facts_signing_key: SecretStr = Field(
        default=SecretStr(DEV_FACTS_SIGNING_KEY),
        description="HMAC key of the facts the app vouches for; app and action server only",
    )
    facts_max_age_s: float = Field(
        default=300.0, description="how old a signed turn may be when an action checks it"
    )
    internal_host: str = Field(
        default="127.0.0.1",
        description="address Rasa and the action server listen on; open it for several hosts",
    )
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    instance_name: str = Field(default="app-1", description="name of this app instance in logs")

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_mode: Literal["webhook", "polling"] = "webhook"

    viber_token: SecretStr | None = None
    viber_api_url: str = "https://chatapi.viber.com/pa"
    viber_bot_name: str = "Госпомощник"
    viber_bot_avatar: str | None = None
    viber_media_hosts: list[str] = Field(
        default_factory=lambda: ["viber.com"],
        description="domains (and their subdomains) the app may fetch citizens' Viber media from",
    )
    attachment_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        description="largest citizen attachment the console fetches for an operator",
    )

    max_inbound_bytes: int = 256 * 1024
    max_text_chars: int = 4000
    router_poll_interval_s: float = 1.0
    router_lease_s: float = 6.0
    status_poll_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="appeal status notifications are written by other processes (the action "
        "server, agencies' systems): polled, but not every second for a message nobody awaits",
    )
    retry_backoff_max_s: float = 60.0
    outbox_max_attempts: int = 12
    # --- resilience ---
    rasa_urls: str = Field(
        default="",
        description="comma-separated Rasa servers sharing one tracker store (RASA_URLS); "
        "RASA_URL when empty",
    )
    rasa_health_interval_s: float = Field(
        default=2.0, description="how often each Rasa instance's /status is checked"
    )
    shutdown_grace_s: float = Field(
        default=25.0, description="SIGTERM: how long turns in flight may take to finish"
    )
    chat_burst: int = Field(
        default=3, description="messages a chat may get at once before the per-chat rate applies"
    )
    chat_per_s: float = Field(default=1.0, description="sustained messages per second per chat")
    telegram_per_s: float = Field(default=30.0, description="Bot API messages per second overall")
    viber_per_s: float = Field(default=50.0, description="Viber messages per second overall")
    webchat_allowed_origins: list[str] = Field(default_factory=list)

    handoff_config: Path = Field(
        default=PROJECT_ROOT / "content" / "handoff.yml",
        description="operator groups, topics, hours and queue targets (HANDOFF_CONFIG)",
    )
    handoff_tick_s: float = Field(default=1.0, description="auto-assignment and queue updates")
    handoff_canned: Path = Field(
        default=PROJECT_ROOT / "content" / "canned.yml",
        description="ready answers copied into an empty canned table on start (HANDOFF_CANNED)",
    )
    # --- privacy: retention ---
    # Days each kind of personal data is kept before the purge removes it (README, docs/security).
    retention_transcript_days: int = Field(
        default=90, ge=30, description="transcript lines; conversation records stay ≥ 30 days"
    )
    retention_messages_days: int = Field(
        default=30, ge=1, description="processed inbox/outbox items and delivered notifications"
    )
    retention_tracker_days: int = Field(default=90, ge=1, description="Rasa tracker events")
    retention_attachments_days: int = Field(
        default=30, ge=1, description="file references and names of citizens' attachments"
    )
    retention_audit_days: int = Field(default=365, ge=1, description="the console's audit log")
    retention_purge_interval_s: float = Field(
        default=3600.0, gt=0, description="how often one of the app instances runs the purge"
    )
    erasure_poll_s: float = Field(default=1.0, gt=0, description="forget-me requests are due")
    tracker_store_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'rasa-tracker.db'}",
        description="Rasa's SQL tracker store (endpoints.yml), reached directly to delete events",
    )
    consent_content: Path = Field(
        default=PROJECT_ROOT / "content" / "consent.yml",
        description="the consent text, its version and the policy link (CONSENT_CONTENT)",
    )

    # --- inbound hardening ---
    flood_burst: int = Field(
        default=6, description="messages a chat may send at once before the flood guard drops"
    )
    flood_refill_per_s: float = Field(
        default=1.0, description="how fast a chat's allowance of messages refills, per second"
    )
    flood_notice_every_s: float = Field(
        default=60.0, description="a flooding chat is told to slow down at most once this often"
    )
    webchat_frame_ancestors: list[str] = Field(
        default_factory=lambda: ["'self'"],
        description="CSP frame-ancestors of the web chat page: portal origins that may embed it",
    )
    metrics_allowed_ips: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="addresses or networks that may read /metrics without the token",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token that opens /metrics from any address"
    )
    viber_max_age_s: float = Field(
        default=300.0, description="oldest signed Viber callback accepted (its `timestamp`)"
    )
    viber_max_skew_s: float = Field(
        default=60.0, description="how far in the future a Viber callback's `timestamp` may be"
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain `postgresql://` / `sqlite://` URLs and give them their async driver."""
        if url.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite://") and "+aiosqlite" not in url:
            return "sqlite+aiosqlite://" + url.split("://", 1)[1]
        return url

    @cached_property
    def is_production(self) -> bool:
        """True when the app serves the public: APP_ENV=production or a PUBLIC_URL is set."""
        return self.app_env == "production" or bool(self.public_url)

    @cached_property
    def is_sqlite(self) -> bool:
        """True for the embedded default database."""
        return self.database_url.startswith("sqlite")


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve the public: each names the variable to set.

    Empty outside production. A secret is refused when it is a development default or too
    short to resist guessing.
    """
    if not settings.is_production:
        return []
    secrets = {
        "RASA_TOKEN": (settings.rasa_token, DEV_RASA_TOKEN),
        "ACTION_SERVER_TOKEN": (settings.action_server_token, DEV_ACTION_SERVER_TOKEN),
        "SESSION_SECRET": (settings.session_secret, DEV_SESSION_SECRET),
        "FACTS_SIGNING_KEY": (settings.facts_signing_key, DEV_FACTS_SIGNING_KEY),
    }
    problems = []
    for variable, (value, default) in secrets.items():
        secret = value.get_secret_value()
        if secret == default:
            problems.append(f"{variable} is the development default: set a secret of your own")
        elif len(secret) < MIN_SECRET_CHARS:
            problems.append(f"{variable} is shorter than {MIN_SECRET_CHARS} characters")
    return problems


def load_settings() -> Settings:
    """Read and validate the settings once, at start-up."""
    return Settings()
