"""Settings from the environment: typed, checked, and secrets that never print."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.app.config import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [f.validation_alias.choices[0] for f in Settings.model_fields.values()]:  # type: ignore[union-attr]
        monkeypatch.delenv(str(name), raising=False)


def test_variables_are_read_by_their_names_and_typed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SUGGESTIFY_HOME", str(tmp_path))
    monkeypatch.setenv("SUGGESTIFY_TRAIN_EPOCHS", "12")
    monkeypatch.setenv("SUGGESTIFY_RECOMMENDER", "Content")
    monkeypatch.setenv("SUGGESTIFY_LOG_LEVEL", "info")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "")  # empty counts as unset
    settings = Settings.from_env()
    assert settings.home == tmp_path and settings.catalog_dir == tmp_path / "catalog"
    assert (settings.train_epochs, settings.recommender, settings.log_level) == (12, "content", "INFO")
    assert settings.telegram_webhook_url is None


def test_a_field_name_is_not_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/somewhere/else")  # the field is `home`; only SUGGESTIFY_HOME sets it
    assert Settings.from_env().home.name == ".suggestify"


@pytest.mark.parametrize(("variable", "value"), [("SUGGESTIFY_TRAIN_EPOCHS", "ten"), ("SUGGESTIFY_TRAIN_EPOCHS", "0"),
                                                 ("SUGGESTIFY_RECOMMENDER", "magic"), ("SUGGESTIFY_LOG_LEVEL", "loud"),
                                                 ("TELEGRAM_WEBHOOK_PORT", "port")])
def test_a_bad_value_is_refused_naming_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as raised:
        Settings.from_env()
    assert [e["loc"][0] for e in raised.value.errors()] == [variable]


def test_tokens_and_keys_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"TELEGRAM_TOKEN": "123:tg-token", "DISCORD_TOKEN": "dc-token", "OPENAI_API_KEY": "sk-key",
               "SPOTIFY_CLIENT_SECRET": "sp-secret", "SUGGESTIFY_SECRET_KEY": "fernet-key",
               "TELEGRAM_WEBHOOK_SECRET": "hook-secret", "MONGO_URI": "mongodb://user:pw@db:27017"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    shown = repr(settings) + str(settings) + repr(settings.model_dump())
    assert not [v for v in secrets.values() if v in shown]
    assert sorted(settings.secrets()) == sorted(secrets.values())
    assert settings.telegram_token is not None and settings.telegram_token.get_secret_value() == "123:tg-token"


def test_a_changed_copy_is_validated_and_round_trips_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env().with_changes(discord_token="dc", train_epochs="7", db_name="other")
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == "dc"
    assert settings.train_epochs == 7
    with pytest.raises(ValidationError):
        settings.with_changes(recommender="magic")
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == settings


def test_models_go_through_the_database_when_it_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings.from_env().models_in_database  # the embedded server: one machine, its own disk
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017")
    assert Settings.from_env().models_in_database
    monkeypatch.setenv("SUGGESTIFY_SHARE_MODELS", "false")
    assert not Settings.from_env().models_in_database
