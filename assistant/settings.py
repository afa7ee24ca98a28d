"""Settings read from the environment in one place, with the defaults of the embedded profile."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """Everything the product reads from its environment.

    MADOGUCHI_KNOWLEDGE_DIR  folder with municipality.yml and topics/ (default: ./knowledge)
    MADOGUCHI_MAX_MESSAGE_CHARS  longest message a resident may send (default 1000)
    MADOGUCHI_RATE_PER_SENDER  messages a minute one conversation may send (default 30; 0 = no limit)
    MADOGUCHI_RATE_PER_IP  messages a minute one client address may send (default 600; 0 = no limit)
    MADOGUCHI_RATE_PER_KIOSK  messages a minute one kiosk terminal may send, counted per terminal instead of per address, so kiosks behind one NAT address do not share a bucket (default 120; 0 = no limit)
    MADOGUCHI_INTEGRATOR_TOKENS  tokens of trusted back ends (a city's web widget server), comma-separated, 16 characters or more: with `Authorization: Bearer <token>` they name their own sender ids and are limited per resident, not per address (the API token is one too)
    MADOGUCHI_KIOSK_TERMINAL_DAYS  days a kiosk's terminal credential lasts, renewed at each start call; an expired one counts per address again (default 30)
    MADOGUCHI_TRUSTED_PROXIES  reverse proxies whose X-Forwarded-For is believed, as addresses or networks, comma-separated (default none)
    MADOGUCHI_RETENTION_DAYS  days conversations and closed handoffs are kept before `madoguchi retention` deletes them (default 90)
    MADOGUCHI_DATA_DIR  folder of the embedded profile's files: SQLite databases, API token, keys (default: ./data)
    MADOGUCHI_DATABASE_URL  the product's own database (handoffs, staff, audit) as an SQLAlchemy URL (default: SQLite in the data folder)
    MADOGUCHI_STAFF_SESSION_HOURS  hours a staff login lasts (default 8)
    MADOGUCHI_STAFF_SECURE_COOKIE  1 when the staff console is served over HTTPS, so its cookie is sent only over HTTPS (default 0)
    MADOGUCHI_KIOSK_IDLE_MINUTES  minutes without a touch before the kiosk starts its countdown to clear the screen (default 2)
    MADOGUCHI_KIOSK_COUNTDOWN_SECONDS  seconds of that on-screen countdown (default 30)
    MADOGUCHI_NLU_WORKERS  processes beside the Rasa server that understand residents' messages (default 1, or 0 on a one-core machine; 0 = the server alone)
    MADOGUCHI_EVENT_LOG_URL  production: the database `madoguchi analytics consume` writes RabbitMQ's events to (not the tracker store's)
    MADOGUCHI_ANALYTICS_COLLECT_MINUTES  minutes between the staff console's analytics collections (default 5; 0 = none, cron runs them)
    MADOGUCHI_ANSWER_APPROVAL  1 when an answer edited in the staff console goes live only after a second editor approves it (default 0)
    MADOGUCHI_KNOWLEDGE_REFRESH_SECONDS  seconds between an action server's looks for newly published answers (default 20, at most 60)
    MADOGUCHI_RETRAIN_MAX_DROP  points of entry accuracy on the independent set a retrained model may lose and still go live (default 0.5)
    MADOGUCHI_REVIEW_CONFIDENCE  an answer given with less confidence than this (0 to 1) comes to the review queue (default 0.7)
    MADOGUCHI_RASA_URLS  the running Rasa servers `madoguchi retrain` and `rollback` give a new model, comma-separated (default MADOGUCHI_RASA_URL, else http://127.0.0.1:5005)
    """

    knowledge_dir: Path
    max_message_chars: int
    rate_per_sender: int = 30
    rate_per_ip: int = 600
    rate_per_kiosk: int = 120
    kiosk_terminal_days: int = 30
    integrator_tokens: Tuple[str, ...] = ()
    trusted_proxies: Tuple[str, ...] = ()
    retention_days: int = 90
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str = ""
    staff_session_hours: int = 8
    staff_secure_cookie: bool = False
    kiosk_idle_minutes: float = 2.0
    kiosk_countdown_seconds: int = 30
    event_log_url: str = ""
    nlu_workers: int = 1
    analytics_collect_minutes: float = 5.0
    retrain_max_drop: float = 0.5
    review_confidence: float = 0.7
    answer_approval: bool = False
    knowledge_refresh_seconds: int = 20

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        knowledge_dir = Path(env.get("MADOGUCHI_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge")
        raw_max = env.get("MADOGUCHI_MAX_MESSAGE_CHARS", "1000")
        try:
            max_chars = int(raw_max)
        except ValueError:
            raise SettingsError(f"MADOGUCHI_MAX_MESSAGE_CHARS must be a whole number, not {raw_max!r}")
        if max_chars < 10:
            raise SettingsError("MADOGUCHI_MAX_MESSAGE_CHARS must be at least 10")
        data_dir = Path(env.get("MADOGUCHI_DATA_DIR") or PROJECT_ROOT / "data").resolve()
        return cls(
            knowledge_dir=knowledge_dir,
            max_message_chars=max_chars,
            rate_per_sender=_whole(env, "MADOGUCHI_RATE_PER_SENDER", 30),
            rate_per_ip=_whole(env, "MADOGUCHI_RATE_PER_IP", 600),
            rate_per_kiosk=_whole(env, "MADOGUCHI_RATE_PER_KIOSK", 120),
            kiosk_terminal_days=_whole(env, "MADOGUCHI_KIOSK_TERMINAL_DAYS", 30) or 30,
            integrator_tokens=_integrator_tokens(env),
            trusted_proxies=_networks(env, "MADOGUCHI_TRUSTED_PROXIES"),
            retention_days=_whole(env, "MADOGUCHI_RETENTION_DAYS", 90) or 90,
            data_dir=data_dir,
            database_url=env.get("MADOGUCHI_DATABASE_URL") or f"sqlite:///{data_dir / 'madoguchi.db'}",
            staff_session_hours=_whole(env, "MADOGUCHI_STAFF_SESSION_HOURS", 8) or 8,
            staff_secure_cookie=_flag(env, "MADOGUCHI_STAFF_SECURE_COOKIE"),
            kiosk_idle_minutes=_minutes(env, "MADOGUCHI_KIOSK_IDLE_MINUTES", 2.0),
            kiosk_countdown_seconds=_whole(env, "MADOGUCHI_KIOSK_COUNTDOWN_SECONDS", 30) or 30,
            event_log_url=env.get("MADOGUCHI_EVENT_LOG_URL", ""),
            # A worker is worth it only with a core of its own.
            nlu_workers=_whole(env, "MADOGUCHI_NLU_WORKERS", 1 if (os.cpu_count() or 1) >= 2 else 0),
            analytics_collect_minutes=_minutes_or_off(env, "MADOGUCHI_ANALYTICS_COLLECT_MINUTES", 5.0),
            retrain_max_drop=_points(env, "MADOGUCHI_RETRAIN_MAX_DROP", 0.5),
            review_confidence=_fraction(env, "MADOGUCHI_REVIEW_CONFIDENCE", 0.7),
            answer_approval=_flag(env, "MADOGUCHI_ANSWER_APPROVAL"),
            knowledge_refresh_seconds=min(_whole(env, "MADOGUCHI_KNOWLEDGE_REFRESH_SECONDS", 20) or 20, 60),
        )

    def broker(self, env: Optional[Mapping[str, str]] = None) -> "BrokerSettings":
        """RabbitMQ as the production endpoints name it (MADOGUCHI_RABBITMQ_*)."""
        env = os.environ if env is None else env
        return BrokerSettings(
            host=env.get("MADOGUCHI_RABBITMQ_HOST", "127.0.0.1"), port=_whole(env, "MADOGUCHI_RABBITMQ_PORT", 5672),
            user=env.get("MADOGUCHI_RABBITMQ_USER", "guest"), password=env.get("MADOGUCHI_RABBITMQ_PASSWORD", "guest"),
            queue=env.get("MADOGUCHI_RABBITMQ_QUEUE", "rasa_production_events"),
        )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}")
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def _minutes(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of minutes, not {raw!r}")
    if not 0 < value <= 120:
        raise SettingsError(f"{name} must be more than 0 and at most 120")
    return value


def _bounded(env: Mapping[str, str], name: str, default: float, high: float, what: str) -> float:
    """A number from 0 to high; SettingsError names the setting and what it should be."""
    raw = env.get(name, "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {what}, not {raw!r}") from None
    if not 0 <= value <= high:
        raise SettingsError(f"{name} must be between 0 and {high:g}")
    return value


def _points(env: Mapping[str, str], name: str, default: float) -> float:
    return _bounded(env, name, default, 100, "a number of percentage points")


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    return _bounded(env, name, default, 1, "a number between 0 and 1")


def _items(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _integrator_tokens(env: Mapping[str, str]) -> Tuple[str, ...]:
    tokens = _items(env, "MADOGUCHI_INTEGRATOR_TOKENS")
    if any(len(token) < 16 for token in tokens):
        raise SettingsError("MADOGUCHI_INTEGRATOR_TOKENS: each token must have 16 characters or more")
    return tokens


def _networks(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    import ipaddress

    entries = _items(env, name)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingsError(f"{name}: not an IP address or network: {entry!r}") from None
    return entries


def _minutes_or_off(env: Mapping[str, str], name: str, default: float) -> float:
    """Minutes between runs of something, 0 for never."""
    raw = env.get(name, "").strip()
    return 0.0 if raw in ("0", "0.0") else (_minutes(env, name, default) if raw else default)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "0").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("", "0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


@dataclass(frozen=True)
class BrokerSettings:
    """Where the production event broker (RabbitMQ) is and which queue the analytics consumer reads."""

    host: str = "127.0.0.1"
    port: int = 5672
    user: str = "guest"
    password: str = "guest"
    queue: str = "rasa_production_events"


@dataclass(frozen=True)
class TelegramSettings:
    """What the Telegram bridge (`madoguchi telegram`) reads from its environment.

    MADOGUCHI_TELEGRAM_TOKEN  the bot's token from BotFather (required: the bridge does not start without it)
    MADOGUCHI_TELEGRAM_MODE  polling (the bridge asks Telegram for updates) or webhook (Telegram posts them) (default polling)
    MADOGUCHI_TELEGRAM_WEBHOOK_URL  the public https:// address Telegram posts updates to (required in webhook mode)
    MADOGUCHI_TELEGRAM_WEBHOOK_SECRET  1-256 letters, digits, _ or -; Telegram sends it with every update and the bridge rejects posts without it (required in webhook mode)
    MADOGUCHI_TELEGRAM_WEBHOOK_PORT  the local port the webhook server listens on, behind the TLS proxy (default 8443)
    MADOGUCHI_TELEGRAM_API_URL  root of another Bot API server, e.g. a self-hosted one or a test double (default: Telegram's)
    MADOGUCHI_RASA_URL  the assistant's Rasa server (default http://127.0.0.1:5005)
    MADOGUCHI_ID_KEY  key of the keyed hash that turns Telegram user ids into sender ids (default: generated once into <data dir>/id_key)
    """

    token: str
    mode: str = "polling"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_port: int = 8443
    api_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    id_key: str = ""

    def __repr__(self) -> str:  # the token, the secret and the key never reach a log through repr()
        return (f"TelegramSettings(mode={self.mode!r}, webhook_url={self.webhook_url!r}, webhook_port={self.webhook_port}, "
                f"api_url={self.api_url!r}, rasa_url={self.rasa_url!r})")

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "TelegramSettings":
        import re

        env = os.environ if env is None else env
        token = env.get("MADOGUCHI_TELEGRAM_TOKEN", "").strip()
        if not token:
            raise SettingsError("MADOGUCHI_TELEGRAM_TOKEN is not set: create a bot with @BotFather and set its token")
        if not re.fullmatch(r"[0-9]+:[A-Za-z0-9_-]+", token):
            raise SettingsError("MADOGUCHI_TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then letters)")
        mode = env.get("MADOGUCHI_TELEGRAM_MODE", "").strip().lower() or "polling"
        if mode not in ("polling", "webhook"):
            raise SettingsError(f"MADOGUCHI_TELEGRAM_MODE must be polling or webhook, not {mode!r}")
        webhook_url = env.get("MADOGUCHI_TELEGRAM_WEBHOOK_URL", "").strip()
        secret = env.get("MADOGUCHI_TELEGRAM_WEBHOOK_SECRET", "").strip()
        port = _whole(env, "MADOGUCHI_TELEGRAM_WEBHOOK_PORT", 8443)
        if not 1 <= port <= 65535:
            raise SettingsError("MADOGUCHI_TELEGRAM_WEBHOOK_PORT must be a port number (1-65535)")
        if mode == "webhook":
            if not webhook_url.startswith("https://"):
                raise SettingsError("MADOGUCHI_TELEGRAM_WEBHOOK_URL must be set to an https:// address in webhook mode")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise SettingsError("MADOGUCHI_TELEGRAM_WEBHOOK_SECRET must be set in webhook mode "
                                    "(1-256 letters, digits, _ or -)")
        api_url = env.get("MADOGUCHI_TELEGRAM_API_URL", "").strip().rstrip("/")
        if api_url.endswith("/bot"):
            api_url = api_url[:-len("/bot")]
        if api_url and not re.match(r"https?://", api_url):
            raise SettingsError("MADOGUCHI_TELEGRAM_API_URL must start with http:// or https://")
        rasa_url = (env.get("MADOGUCHI_RASA_URL", "").strip() or "http://127.0.0.1:5005").rstrip("/")
        if not re.match(r"https?://", rasa_url):
            raise SettingsError("MADOGUCHI_RASA_URL must start with http:// or https://")
        return cls(token=token, mode=mode, webhook_url=webhook_url, webhook_secret=secret, webhook_port=port,
                   api_url=api_url, rasa_url=rasa_url, id_key=env.get("MADOGUCHI_ID_KEY", "").strip())
