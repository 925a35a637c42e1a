"""Settings from the environment (the README's configuration table lists each)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def _path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name) or default).expanduser()


@dataclass(frozen=True)
class Settings:
    mongo_uri: str | None
    db_name: str
    home: Path
    data_dir: Path
    encoder: str
    min_tag_exposure: int
    log_level: str
    telegram_token: str | None
    discord_token: str | None
    recommender: str = "graphsage"  # or "content", the first release's ranking
    train_epochs: int = 300
    model_poll_seconds: float = 30.0  # how often the bot looks for a newly published model
    serving_threads: int = 1  # BLAS/OpenMP threads while serving (in-process retraining included)
    openai_api_key: str | None = None  # enables the LLM path of Chat2Tag
    openai_base_url: str | None = None  # any OpenAI-compatible server (vLLM, Ollama, a test stand-in)
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 8.0  # seconds for the whole LLM answer, retries included; then the local path answers
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None  # set: webhook mode; unset: long polling
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = None  # required in webhook mode: Telegram sends it with every update
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None  # unset: the gateway Discord's REST API names
    open_meteo_url: str = "https://api.open-meteo.com/v1/forecast"
    open_meteo_geocoding_url: str = "https://geocoding-api.open-meteo.com/v1/search"
    spotify_client_id: str | None = None  # set with the secret and redirect URI: Spotify connect and save
    spotify_client_secret: str | None = None
    spotify_redirect_uri: str | None = None  # e.g. https://bot.example.com/spotify/callback
    spotify_api_base_url: str = "https://api.spotify.com/v1"
    spotify_accounts_base_url: str = "https://accounts.spotify.com"  # /authorize and /api/token under it
    web_host: str | None = None  # the callback server; default: the redirect URI's host and port
    web_port: int | None = None
    secret_key: str | None = None  # Fernet key that encrypts tokens at rest
    retrain_hours: float = 24.0  # how often the scheduled retrain looks at the inbox; 0 switches it off

    @property
    def inbox_dir(self) -> Path:
        """New track files dropped here are ingested, and the models retrained, by `suggestify retrain`."""
        return self.home / "inbox"

    @property
    def db_dir(self) -> Path:
        return self.home / "db"

    @property
    def catalog_dir(self) -> Path:
        return self.home / "catalog"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            mongo_uri=os.environ.get("MONGO_URI") or None,
            db_name=os.environ.get("SUGGESTIFY_DB", "suggestify"),
            home=_path("SUGGESTIFY_HOME", Path.home() / ".suggestify"),
            data_dir=_path("SUGGESTIFY_DATA_DIR", REPO_DATA),
            encoder=os.environ.get("SUGGESTIFY_ENCODER", "all-MiniLM-L6-v2"),
            min_tag_exposure=int(os.environ.get("SUGGESTIFY_MIN_TAG_EXPOSURE", "5")),
            log_level=os.environ.get("SUGGESTIFY_LOG_LEVEL", "WARNING").upper(),
            telegram_token=os.environ.get("TELEGRAM_TOKEN") or None,
            discord_token=os.environ.get("DISCORD_TOKEN") or None,
            recommender=os.environ.get("SUGGESTIFY_RECOMMENDER", "graphsage").lower(),
            train_epochs=int(os.environ.get("SUGGESTIFY_TRAIN_EPOCHS", "300")),
            model_poll_seconds=float(os.environ.get("SUGGESTIFY_MODEL_POLL_SECONDS", "30")),
            serving_threads=int(os.environ.get("SUGGESTIFY_SERVING_THREADS", "1")),
            openai_api_key=os.environ.get("OPENAI_API_KEY") or None,
            openai_base_url=os.environ.get("OPENAI_BASE_URL") or None,
            llm_model=os.environ.get("SUGGESTIFY_LLM_MODEL", "gpt-4o-mini"),
            llm_timeout=float(os.environ.get("SUGGESTIFY_LLM_TIMEOUT", "8")),
            telegram_api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org",
            telegram_webhook_url=os.environ.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_port=int(os.environ.get("TELEGRAM_WEBHOOK_PORT", "8443")),
            telegram_webhook_secret=os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None,
            discord_api_base_url=os.environ.get("DISCORD_API_BASE_URL") or "https://discord.com/api/v10",
            discord_gateway_url=os.environ.get("DISCORD_GATEWAY_URL") or None,
            open_meteo_url=os.environ.get("OPEN_METEO_BASE_URL") or "https://api.open-meteo.com/v1/forecast",
            open_meteo_geocoding_url=(os.environ.get("OPEN_METEO_GEOCODING_URL")
                                      or "https://geocoding-api.open-meteo.com/v1/search"),
            spotify_client_id=os.environ.get("SPOTIFY_CLIENT_ID") or None,
            spotify_client_secret=os.environ.get("SPOTIFY_CLIENT_SECRET") or None,
            spotify_redirect_uri=os.environ.get("SPOTIFY_REDIRECT_URI") or None,
            spotify_api_base_url=os.environ.get("SPOTIFY_API_BASE_URL") or "https://api.spotify.com/v1",
            spotify_accounts_base_url=os.environ.get("SPOTIFY_ACCOUNTS_BASE_URL") or "https://accounts.spotify.com",
            web_host=os.environ.get("SUGGESTIFY_WEB_HOST") or None,
            web_port=int(os.environ["SUGGESTIFY_WEB_PORT"]) if os.environ.get("SUGGESTIFY_WEB_PORT") else None,
            secret_key=os.environ.get("SUGGESTIFY_SECRET_KEY") or None,
            retrain_hours=float(os.environ.get("SUGGESTIFY_RETRAIN_HOURS", "24")),
        )

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for a child process (tokens included: never log it)."""
        env = {
            "SUGGESTIFY_DB": self.db_name, "SUGGESTIFY_HOME": str(self.home), "SUGGESTIFY_DATA_DIR": str(self.data_dir),
            "SUGGESTIFY_ENCODER": self.encoder, "SUGGESTIFY_MIN_TAG_EXPOSURE": str(self.min_tag_exposure),
            "SUGGESTIFY_LOG_LEVEL": self.log_level, "SUGGESTIFY_RECOMMENDER": self.recommender,
            "SUGGESTIFY_TRAIN_EPOCHS": str(self.train_epochs),
            "SUGGESTIFY_MODEL_POLL_SECONDS": str(self.model_poll_seconds),
            "SUGGESTIFY_SERVING_THREADS": str(self.serving_threads),
            "SUGGESTIFY_LLM_MODEL": self.llm_model, "SUGGESTIFY_LLM_TIMEOUT": str(self.llm_timeout),
            "SPOTIFY_API_BASE_URL": self.spotify_api_base_url,
            "SPOTIFY_ACCOUNTS_BASE_URL": self.spotify_accounts_base_url,
            "SUGGESTIFY_RETRAIN_HOURS": str(self.retrain_hours),
        }
        optional = {"MONGO_URI": self.mongo_uri, "TELEGRAM_TOKEN": self.telegram_token,
                    "DISCORD_TOKEN": self.discord_token, "OPENAI_API_KEY": self.openai_api_key,
                    "OPENAI_BASE_URL": self.openai_base_url, "TELEGRAM_API_BASE_URL": self.telegram_api_base_url,
                    "TELEGRAM_WEBHOOK_URL": self.telegram_webhook_url,
                    "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret,
                    "DISCORD_API_BASE_URL": self.discord_api_base_url, "DISCORD_GATEWAY_URL": self.discord_gateway_url,
                    "OPEN_METEO_BASE_URL": self.open_meteo_url,
                    "OPEN_METEO_GEOCODING_URL": self.open_meteo_geocoding_url,
                    "SPOTIFY_CLIENT_ID": self.spotify_client_id, "SPOTIFY_CLIENT_SECRET": self.spotify_client_secret,
                    "SPOTIFY_REDIRECT_URI": self.spotify_redirect_uri, "SUGGESTIFY_WEB_HOST": self.web_host,
                    "SUGGESTIFY_WEB_PORT": str(self.web_port) if self.web_port else None,
                    "SUGGESTIFY_SECRET_KEY": self.secret_key}
        return env | {k: v for k, v in optional.items() if v}

    def secrets(self) -> list[str | None]:
        """Every value that must never reach a log line."""
        return [self.telegram_token, self.discord_token, self.openai_api_key, self.spotify_client_secret,
                self.secret_key, self.telegram_webhook_secret, self.mongo_uri if self.mongo_uri and "@" in self.mongo_uri else None]

    def __repr__(self) -> str:  # never print tokens
        return (f"Settings(home={self.home}, db={self.db_name}, mongo={'set' if self.mongo_uri else 'embedded'}, "
                f"llm={'on' if self.openai_api_key else 'off'}, spotify={'on' if self.spotify_client_id else 'off'})")
