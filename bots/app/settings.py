"""Settings from ``OMNICAB_*`` environment variables, validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.types import Channel, RateLimits
from handoff.hours import parse_holidays

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAX_DEDUPE_TTL_SECONDS = 7 * 24 * 3600
DEFAULT_SECRET_KEY = "omnicab-demo-secret-change-me"
MIN_SECRET_KEY_LENGTH = 32
MIN_DATA_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNICAB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'omnicab.db'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=1000, description="PostgreSQL connections each process keeps open."
    )
    database_max_overflow: int = Field(
        default=20,
        ge=0,
        le=1000,
        description="Connections a process may open beyond the pool under load: processes x (pool + "
        "overflow) must stay under PostgreSQL's max_connections.",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db; unset means in-process state (one process only)."
    )
    start_timeout: float = Field(
        default=0,
        ge=0,
        description="Seconds a starting process waits for PostgreSQL and Redis to become reachable before "
        "it exits with code 1; 0 waits for as long as it takes.",
    )
    redis_prefix: str = Field(
        default="omnicab",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Every Redis key starts with it: deployments and test runs can share one Redis.",
    )
    redis_max_connections: int = Field(
        default=64, ge=8, description="Per process; callers wait for a free connection rather than fail."
    )
    bots_dir: Path = PROJECT_ROOT / "bots"
    bots: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["legal"])
    demo: bool = Field(
        default=False, description="Serve fake Telegram/Viber/WhatsApp in the app and point the bots at them."
    )
    public_url: str | None = Field(
        default=None, description="https://host the platforms reach; webhooks are registered under it."
    )
    telegram_api_base: str | None = Field(
        default=None, description="Bot API server; default api.telegram.org"
    )
    telegram_timeout_seconds: float = Field(
        default=60.0, gt=0, description="How long a Bot API call may take before its outcome is unknown."
    )
    viber_api_base: str | None = Field(
        default=None, description="Viber REST API; default chatapi.viber.com/pa"
    )
    whatsapp_api_base: str | None = Field(default=None, description="Graph API; default graph.facebook.com")
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    session_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    dedupe_ttl_seconds: int = Field(
        default=MAX_DEDUPE_TTL_SECONDS,
        ge=60,
        le=MAX_DEDUPE_TTL_SECONDS,
        description="How long a platform event id is remembered to drop redeliveries: at least every "
        "channel's retry horizon (WhatsApp 7 days, Telegram 24 h, Viber 1 h), and bounded, because "
        "platforms reuse event ids (Telegram after a week without updates).",
    )
    inbox_shards: int = Field(default=8, ge=1, le=256)
    outbox_max_attempts: int = Field(default=8, ge=1)
    inbox_max_attempts: int = Field(
        default=5, ge=1, description="Failed attempts of an inbound event before it is dead-lettered."
    )
    # Rate limits: each adapter declares its platform's; these override them per channel.
    telegram_rate_per_second: float | None = Field(default=None, gt=0, description="Per bot (~30/s).")
    telegram_chat_rate_per_second: float | None = Field(default=None, gt=0, description="Per chat (~1/s).")
    telegram_chat_burst: int | None = Field(default=None, ge=1)
    viber_rate_per_second: float | None = Field(default=None, gt=0, description="Per bot (50/s).")
    viber_chat_rate_per_second: float | None = Field(default=None, gt=0, description="Per chat (1/s).")
    viber_chat_burst: int | None = Field(default=None, ge=1)
    whatsapp_rate_per_second: float | None = Field(default=None, gt=0, description="Per number (80/s).")
    whatsapp_chat_rate_per_second: float | None = Field(default=None, gt=0, description="Per user (1/6 s).")
    whatsapp_chat_burst: int | None = Field(default=None, ge=1)
    broadcast_share: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="The share of each bot's rate broadcasts may use; live replies keep the rest.",
    )
    broadcast_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often a worker looks for broadcasts that are due."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET_KEY),
        description="Signs short-lived links and derives webhook secrets; live mode refuses the default "
        f"and anything shorter than {MIN_SECRET_KEY_LENGTH} characters.",
    )
    data_key: SecretStr | None = Field(
        default=None,
        description="Encrypts refund payout numbers and payout details in dialog sessions (at least 32 "
        "characters; 'new,old' while rotating). Required in live mode; demo mode uses a development key.",
    )
    link_lifetime_seconds: int = Field(
        default=15 * 60,
        ge=30,
        le=24 * 3600,
        description="How long a signed file link (recordings, answers) works; at most a day.",
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics to anyone in live mode (demo mode always does)."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Live mode: /metrics answers a request with 'Authorization: Bearer <token>'.",
    )
    auth_failures_per_address: int = Field(
        default=30, ge=1, description="Failed API keys one address may send per auth_failure_window_seconds."
    )
    auth_failures_per_key: int = Field(
        default=10, ge=1, description="Failed attempts with one API key per auth_failure_window_seconds."
    )
    auth_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    api_keys: SecretStr | None = Field(
        default=None,
        description="REST API keys: 'name:scope1,scope2:key;...' (scopes: read, requests:write, "
        "recordings:write, refunds:write, tasks:write). Demo mode adds a demo key.",
    )
    queues: str | None = Field(
        default=None,
        description='Queues people serve, JSON: {"first_line": {"ru": "Первая линия", "en": "First line"}}; '
        "default first_line, lawyers, duty_lawyer.",
    )
    business_hours: str = Field(
        default="24/7",
        description="When people answer: 24/7, or e.g. 'mon-fri 09:00-18:00; sat 10:00-15:00'.",
    )
    business_holidays: str = Field(
        default="ru",
        description="Days people do not answer: ru (Russian public holidays), dates such as 2026-12-31 and "
        "days of every year such as 12-31, comma-separated.",
    )
    business_timezone: str = Field(
        default="Europe/Moscow", description="The time zone of the business hours."
    )
    repeat_contact_hours: float = Field(
        default=24.0, ge=0, description="A client who talked to a person this recently goes straight to one."
    )
    presence_timeout: float = Field(
        default=90.0,
        ge=10,
        description="Seconds without a console connection after which a person is offline.",
    )
    service_level_seconds: float = Field(default=60.0, gt=0, description="The service-level answer target.")
    rating_remind_minutes: float = Field(
        default=120.0, gt=0, description="One reminder to rate after this long without an answer."
    )
    rating_call_hours: float = Field(
        default=24.0, gt=0, description="After the reminder, an unrated lawyer's consultation becomes a call."
    )
    nps_period_days: float = Field(
        default=90.0, gt=0, description="NPS is asked at most once in this period."
    )
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    log_level: str = "INFO"
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="asyncio",
        description="The served roles' event loop: asyncio's own, or uvloop (where installed).",
    )
    data_dir: Path = PROJECT_ROOT / "var"
    file_storage: Literal["database", "directory"] | None = Field(
        default=None,
        description="Where recordings and audio answers are kept: 'database' (shared by every process; "
        "the default on PostgreSQL) or 'directory' (<data_dir>/files; the default on SQLite).",
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="`omnicab worker` serves /healthz and /metrics on it."
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        if not (value.startswith("postgresql+asyncpg://") or value.startswith("sqlite+aiosqlite://")):
            raise ValueError("use postgresql+asyncpg://... or sqlite+aiosqlite:///path")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:port/db, rediss://... or unix:///path")
        return value

    @field_validator("business_holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        parse_holidays(value)
        return value

    @field_validator("metrics_token", "data_key", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        """``OMNICAB_METRICS_TOKEN=`` (as docker-compose passes an unset variable) means no token."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bots", mode="before")
    @classmethod
    def _split_bots(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    def file_storage_kind(self, database_is_sqlite: bool) -> Literal["database", "directory"]:
        if self.file_storage is not None:
            return self.file_storage
        return "directory" if database_is_sqlite else "database"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def rate_limits(self, channel: Channel, declared: RateLimits) -> RateLimits:
        """The limits an adapter declares for its platform, with this channel's overrides."""
        per_bot: float | None = getattr(self, f"{channel.value}_rate_per_second")
        per_chat: float | None = getattr(self, f"{channel.value}_chat_rate_per_second")
        chat_burst: int | None = getattr(self, f"{channel.value}_chat_burst")
        overrides: dict[str, float | int] = {}
        if per_bot is not None:
            overrides |= {
                "per_bot": per_bot,
                "per_bot_burst": max(1, int(per_bot)),
                "ceiling": max(1, int(per_bot)),
                "ceiling_seconds": 1.0,
            }
        if per_chat is not None:
            overrides["per_chat"] = per_chat
        if chat_burst is not None:
            overrides["per_chat_burst"] = chat_burst
        return declared.model_copy(update=overrides)
