"""The credential vault: authenticated, randomized, bound to its row, and keyed from outside the config DB."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace

import pytest

from pgadmin_lite.errors import ConfigError, PasswordRequired
from pgadmin_lite.keyfiles import create_key_file
from pgadmin_lite.servers.vault import (
    PREFIX,
    SavedPasswordUnreadable,
    Vault,
    VaultUnavailable,
    app_vault,
    associated_data,
    vault_from_settings,
)

KEY = "k" * 43
OTHER_KEY = "o" * 43
AAD = associated_data(1, 2)


def test_round_trip_and_unicode() -> None:
    vault = Vault(KEY)
    for secret in ("s3cret", "pässwörd ☃ with spaces", "x" * 1024):
        assert vault.decrypt(vault.encrypt(secret, aad=AAD), aad=AAD) == secret


def test_envelope_is_versioned_and_reveals_nothing() -> None:
    envelope = Vault(KEY).encrypt("hunter2-plain", aad=AAD)
    assert envelope.startswith(PREFIX)
    assert "hunter2" not in envelope
    assert b"hunter2" not in base64.urlsafe_b64decode(envelope[len(PREFIX):])


def test_same_plaintext_encrypts_differently_each_time() -> None:
    vault = Vault(KEY)
    envelopes = {vault.encrypt("same", aad=AAD) for _ in range(20)}
    assert len(envelopes) == 20


def test_a_different_key_cannot_decrypt() -> None:
    envelope = Vault(KEY).encrypt("secret", aad=AAD)
    with pytest.raises(SavedPasswordUnreadable) as caught:
        Vault(OTHER_KEY).decrypt(envelope, aad=AAD)
    error = caught.value
    assert isinstance(error, PasswordRequired) and error.status == 400
    assert error.code == "saved_password_unreadable"
    assert "cannot be decrypted" in error.message and "again" in (error.hint or "")


def test_ciphertext_is_bound_to_its_row() -> None:
    vault = Vault(KEY)
    envelope = vault.encrypt("secret", aad=associated_data(1, 2))
    for server_id, user_id in ((1, 3), (2, 2), (12, 2)):
        with pytest.raises(SavedPasswordUnreadable):
            vault.decrypt(envelope, aad=associated_data(server_id, user_id))


def _flip(envelope: str, index: int) -> str:
    blob = bytearray(base64.urlsafe_b64decode(envelope[len(PREFIX):]))
    blob[index] ^= 0x01
    return PREFIX + base64.urlsafe_b64encode(bytes(blob)).decode()


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda e: _flip(e, 0), id="nonce"),
    pytest.param(lambda e: _flip(e, 14), id="ciphertext"),
    pytest.param(lambda e: _flip(e, -1), id="tag"),
    pytest.param(lambda e: e[:-8], id="truncated"),
    pytest.param(lambda e: PREFIX + "AAAA", id="too-short"),
    pytest.param(lambda e: e + "!!", id="bad-base64"),
    pytest.param(lambda e: "v9:" + e[len(PREFIX):], id="unknown-version"),
    pytest.param(lambda e: "", id="empty"),
])
def test_tampering_is_detected_not_crashing(tamper) -> None:  # type: ignore[no-untyped-def]
    vault = Vault(KEY)
    with pytest.raises(SavedPasswordUnreadable):
        vault.decrypt(tamper(vault.encrypt("secret", aad=AAD)), aad=AAD)


def test_short_key_material_is_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than 32"):
        Vault("too-short")


def test_key_comes_from_the_setting_before_the_file(tmp_path: Path) -> None:
    key_file = tmp_path / "credentials.key"
    create_key_file(str(key_file))
    from_file = vault_from_settings({"CREDENTIALS_KEY": "", "CREDENTIALS_KEY_FILE": str(key_file)})
    from_env = vault_from_settings({"CREDENTIALS_KEY": KEY, "CREDENTIALS_KEY_FILE": str(key_file)})
    envelope = from_file.encrypt("secret", aad=AAD)
    assert Vault(key_file.read_text().strip()).decrypt(envelope, aad=AAD) == "secret"
    assert Vault(KEY).decrypt(from_env.encrypt("secret", aad=AAD), aad=AAD) == "secret"
    with pytest.raises(SavedPasswordUnreadable):
        from_env.decrypt(envelope, aad=AAD)


def test_missing_key_file_names_the_fix(tmp_path: Path) -> None:
    settings = {"CREDENTIALS_KEY": "", "CREDENTIALS_KEY_FILE": str(tmp_path / "missing.key")}
    with pytest.raises(ConfigError, match=r"setup_db\.py setup-db"):
        vault_from_settings(settings)
    app = SimpleNamespace(extensions={}, config=settings)
    with pytest.raises(VaultUnavailable) as caught:
        app_vault(app)
    assert caught.value.status == 503 and "CREDENTIALS_KEY_FILE" in caught.value.message


def test_app_vault_is_loaded_once(tmp_path: Path) -> None:
    app = SimpleNamespace(extensions={}, config={"CREDENTIALS_KEY": KEY, "CREDENTIALS_KEY_FILE": "/nonexistent"})
    assert app_vault(app) is app_vault(app)
