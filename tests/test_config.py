"""Settings: production refuses to sign tokens with a missing or placeholder secret;
development keeps a random one in the data directory."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from shiftplanner.config import Environment, Settings


def production(secret: str | None) -> Settings:
    return Settings(
        _env_file=None,
        env=Environment.PRODUCTION,
        jwt_secret=SecretStr(secret) if secret is not None else None,
    )


@pytest.mark.parametrize(
    "secret", [None, "", "changeme", "your-super-secret-jwt-key-change-in-production", "short"]
)
def test_production_refuses_a_weak_or_missing_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        production(secret)


def test_production_accepts_a_real_secret() -> None:
    settings = production("k" * 48)
    assert settings.is_production
    assert settings.signing_secret() == "k" * 48
    assert settings.logs_as_json


def test_development_keeps_a_generated_secret_across_restarts(tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path).signing_secret()
    second = Settings(_env_file=None, data_dir=tmp_path).signing_secret()
    assert first == second
    assert len(first) >= 48
    mode = stat.S_IMODE((tmp_path / "jwt-secret").stat().st_mode)
    assert mode == 0o600


def test_environment_and_dotenv_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SHIFTPLANNER_PORT=4123\nSHIFTPLANNER_HOST=0.0.0.0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHIFTPLANNER_PORT", "4999")
    settings = Settings()
    assert settings.host == "0.0.0.0"  # noqa: S104 (read from the file, not bound)
    assert settings.port == 4999  # the environment wins over the file


def test_argon2_memory_must_fit_the_parallelism() -> None:
    with pytest.raises(ValidationError, match="MEMORY_KIB"):
        Settings(_env_file=None, password_hash_memory_kib=16, password_hash_parallelism=4)


@pytest.mark.parametrize("previous", ["changeme", "short", "k" * 31])
def test_production_refuses_a_weak_previous_secret(previous: str) -> None:
    with pytest.raises(ValidationError, match=r"JWT_PREVIOUS_SECRETS \(item 2\)"):
        Settings(
            _env_file=None,
            env=Environment.PRODUCTION,
            jwt_secret=SecretStr("k" * 48),
            jwt_previous_secrets=[SecretStr("p" * 48), SecretStr(previous)],
        )


def test_production_accepts_strong_previous_secrets() -> None:
    settings = Settings(
        _env_file=None,
        env=Environment.PRODUCTION,
        jwt_secret=SecretStr("k" * 48),
        jwt_previous_secrets=[SecretStr("p" * 48), SecretStr("q" * 40)],
    )
    assert len(settings.jwt_previous_secrets) == 2


def test_webhook_networks_come_comma_separated_and_must_be_networks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIFTPLANNER_WEBHOOK_ALLOWED_NETWORKS", "10.1.0.0/16, fd00::/8")
    assert Settings(_env_file=None).webhook_allowed_networks == ["10.1.0.0/16", "fd00::/8"]
    monkeypatch.setenv("SHIFTPLANNER_WEBHOOK_ALLOWED_NETWORKS", "10.1.0.0/33")
    with pytest.raises(ValidationError, match="webhook_allowed_networks"):
        Settings(_env_file=None)
