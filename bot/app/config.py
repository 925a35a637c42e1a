"""Settings from the environment (the README's configuration table lists each), parsed and checked by
pydantic-settings: a bad value fails at start-up with an error naming the variable, and every token and key is
a `SecretStr`, so it prints as ********** wherever settings are shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def env(name: str, default: Any = None, **kw: Any) -> Any:
    """A setting read from the environment variable `name`."""
    return Field(default, validation_alias=AliasChoices(name), **kw)


class Settings(BaseSettings):
    # Read by the variable names only: matching field names too would take $HOME for `home`.
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")

    mongo_uri: SecretStr | None = env("MONGO_URI")  # unset: an embedded server under home/db; may hold a password
    db_name: str = env("SUGGESTIFY_DB", "suggestify")
    home: Path = env("SUGGESTIFY_HOME", Path.home() / ".suggestify")
    data_dir: Path = env("SUGGESTIFY_DATA_DIR", REPO_DATA)
    encoder: str = env("SUGGESTIFY_ENCODER", "all-MiniLM-L6-v2")
    min_tag_exposure: int = env("SUGGESTIFY_MIN_TAG_EXPOSURE", 5, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = env("SUGGESTIFY_LOG_LEVEL", "WARNING")
    recommender: Literal["graphsage", "content"] = env("SUGGESTIFY_RECOMMENDER", "graphsage")  # content: 1st release
    train_epochs: int = env("SUGGESTIFY_TRAIN_EPOCHS", 300, ge=1)
    # A first start serves a model this quick within minutes and trains the full one meanwhile; 0: full at once.
    quick_start_epochs: int = env("SUGGESTIFY_QUICK_START_EPOCHS", 30, ge=0)
    model_poll_seconds: float = env("SUGGESTIFY_MODEL_POLL_SECONDS", 30.0, gt=0)  # looking for a new model
    # Model versions published to MongoDB (GridFS) for every machine; unset: yes when MONGO_URI is set
    share_models: bool | None = env("SUGGESTIFY_SHARE_MODELS")
    serving_threads: int = env("SUGGESTIFY_SERVING_THREADS", 1, ge=1)  # BLAS/OpenMP threads while serving
    retrain_hours: float = env("SUGGESTIFY_RETRAIN_HOURS", 24.0, ge=0)  # the scheduled retrain; 0 switches it off
    # A scheduler that dies holds the jobs this long at most before another process takes them over.
    scheduler_lease_seconds: float = env("SUGGESTIFY_SCHEDULER_LEASE_SECONDS", 60.0, gt=0)
    # Chat2Tag's LLM path: on when a key is set; any OpenAI-compatible server (vLLM, Ollama, a test stand-in)
    openai_api_key: SecretStr | None = env("OPENAI_API_KEY")
    openai_base_url: str | None = env("OPENAI_BASE_URL")
    llm_model: str = env("SUGGESTIFY_LLM_MODEL", "gpt-4o-mini")
    llm_timeout: float = env("SUGGESTIFY_LLM_TIMEOUT", 8.0, gt=0)  # the whole answer; then the local path answers
    # Telegram: polling, or a webhook when its URL is set (then its secret is required)
    telegram_token: SecretStr | None = env("TELEGRAM_TOKEN")
    telegram_api_base_url: str = env("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
    telegram_webhook_url: str | None = env("TELEGRAM_WEBHOOK_URL")
    telegram_webhook_port: int = env("TELEGRAM_WEBHOOK_PORT", 8443)
    telegram_webhook_secret: SecretStr | None = env("TELEGRAM_WEBHOOK_SECRET")
    # Webhook mode, several workers: a worker that dies answering a chat holds it this long at most
    chat_turn_lease_seconds: float = env("SUGGESTIFY_CHAT_TURN_LEASE_SECONDS", 30.0, gt=0)
    # Discord
    discord_token: SecretStr | None = env("DISCORD_TOKEN")
    discord_api_base_url: str = env("DISCORD_API_BASE_URL", "https://discord.com/api/v10")
    discord_gateway_url: str | None = env("DISCORD_GATEWAY_URL")  # unset: the gateway Discord's REST API names
    discord_shard_id: int | None = env("DISCORD_SHARD_ID", ge=0)  # with the count: this worker's share of guilds
    discord_shard_count: int | None = env("DISCORD_SHARD_COUNT", ge=1)
    # Weather for suggestions
    open_meteo_url: str = env("OPEN_METEO_BASE_URL", "https://api.open-meteo.com/v1/forecast")
    open_meteo_geocoding_url: str = env("OPEN_METEO_GEOCODING_URL", "https://geocoding-api.open-meteo.com/v1/search")
    # Spotify: connect and save, when the client id, secret and redirect URI are all set
    spotify_client_id: str | None = env("SPOTIFY_CLIENT_ID")
    spotify_client_secret: SecretStr | None = env("SPOTIFY_CLIENT_SECRET")
    spotify_redirect_uri: str | None = env("SPOTIFY_REDIRECT_URI")  # e.g. https://bot.example.com/spotify/callback
    spotify_api_base_url: str = env("SPOTIFY_API_BASE_URL", "https://api.spotify.com/v1")
    spotify_accounts_base_url: str = env("SPOTIFY_ACCOUNTS_BASE_URL", "https://accounts.spotify.com")
    web_host: str | None = env("SUGGESTIFY_WEB_HOST")  # the callback server; default: the redirect URI's host, port
    web_port: int | None = env("SUGGESTIFY_WEB_PORT")
    secret_key: SecretStr | None = env("SUGGESTIFY_SECRET_KEY")  # Fernet key for tokens at rest; else home/secret.key

    @field_validator("home", "data_dir")
    @classmethod
    def _expand(cls, path: Path) -> Path:
        return path.expanduser()

    @field_validator("log_level", "recommender", mode="before")
    @classmethod
    def _case(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @property
    def inbox_dir(self) -> Path:
        """New track files dropped here are ingested, and the models retrained, by `suggestify retrain`."""
        return self.home / "inbox"

    @property
    def models_in_database(self) -> bool:
        """Whether model versions go through MongoDB: an embedded database serves one machine, whose disk is
        where its models already are."""
        return self.share_models if self.share_models is not None else self.mongo_uri is not None

    @property
    def db_dir(self) -> Path:
        return self.home / "db"

    @property
    def catalog_dir(self) -> Path:
        return self.home / "catalog"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls()

    def with_changes(self, **changes: Any) -> "Settings":
        """A copy with some fields (by field name) changed, validated like the environment's values."""
        values = {name: getattr(self, name) for name in type(self).model_fields} | changes
        return self.model_validate({_variable(name): value for name, value in values.items() if value is not None})

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for a child process (tokens included: never log it)."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return {_variable(name): v.get_secret_value() if isinstance(v, SecretStr) else str(v)
                for name, v in values.items() if v is not None}

    def secrets(self) -> list[str]:
        """Every value that must never reach a log line."""
        values = [v.get_secret_value() for v in (self.telegram_token, self.discord_token, self.openai_api_key,
                                                 self.spotify_client_secret, self.secret_key,
                                                 self.telegram_webhook_secret) if v is not None]
        if self.mongo_uri is not None and "@" in self.mongo_uri.get_secret_value():  # a URI with credentials
            values.append(self.mongo_uri.get_secret_value())
        return values


def _variable(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return str(alias.choices[0])  # type: ignore[union-attr]


def secret(value: SecretStr | None) -> str | None:
    """The plain value, for the one call that hands it to a client library."""
    return value.get_secret_value() if value is not None else None
