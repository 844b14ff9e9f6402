"""TOTP rules that need no database: the keyed digest of recovery codes, code spelling, MFA_REQUIRED_FOR."""

from __future__ import annotations

import pytest

from pgadmin_lite.auth import mfa
from pgadmin_lite.errors import ConfigError
from pgadmin_lite.servers.vault import Vault

KEY = "k" * 40


def test_the_digest_is_keyed_and_bound_to_its_context() -> None:
    vault = Vault(KEY)
    digest = vault.digest("abcd-efgh", context="user:1:recovery")
    assert digest == Vault(KEY).digest("abcd-efgh", context="user:1:recovery")
    assert digest != vault.digest("abcd-efgh", context="user:2:recovery")
    assert digest != Vault("o" * 40).digest("abcd-efgh", context="user:1:recovery")
    assert "abcd" not in digest and digest.startswith("hmac-sha256:")


def test_codes_are_read_as_typed_with_spaces_dashes_and_capitals() -> None:
    assert mfa.normalize_code(" ABCD-efgh ijkl\n") == "abcdefghijkl"
    assert mfa.normalize_code(None) == ""  # type: ignore[arg-type]
    assert len(mfa.normalize_code("x" * 1000)) == 64


def test_recovery_codes_are_random_and_readable() -> None:
    codes = {mfa._new_recovery_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 14 and set(code.replace("-", "")) <= set(mfa.RECOVERY_ALPHABET) for code in codes)


@pytest.mark.parametrize("value", [["Admin"], "Administrator", [None], {"User": True}])
def test_mfa_required_for_names_only_built_in_roles(value: object) -> None:
    with pytest.raises(ConfigError, match="MFA_REQUIRED_FOR"):
        mfa.check_required_for(value)
    assert mfa.check_required_for(["Administrator", "User"]) == ("Administrator", "User")
