"""Sealing: AAD binds every ciphertext to its subject, table, field and version (figure T21)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdp.pii import Aad, Vault
from cdp.pii.vault import SubjectErased, Unreadable
from tests.conftest import InMemoryKeys

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
subjects = st.sampled_from([f"sub_{c * 24}" for c in "abcdefg"])
aads = st.builds(
    Aad,
    service=names,
    table=names,
    field=names,
    subject_id=subjects,
    schema_version=st.integers(1, 3),
)


def test_sealed_value_opens_back_to_the_plaintext(vault: Vault) -> None:
    aad = Aad("profile", "traits", "email", "sub_" + "a" * 24)
    assert vault.open(vault.seal(b"an@example.com", aad), aad) == b"an@example.com"


def test_sealing_twice_gives_different_ciphertexts(vault: Vault) -> None:
    aad = Aad("profile", "traits", "email", "sub_" + "a" * 24)
    assert vault.seal(b"same", aad) != vault.seal(b"same", aad)


@settings(max_examples=1000, deadline=None)
@given(plaintext=st.binary(max_size=64), home=aads, elsewhere=aads)
def test_ciphertext_moved_anywhere_else_does_not_open(
    plaintext: bytes, home: Aad, elsewhere: Aad
) -> None:
    vault = Vault(_SHARED_KEYS)
    blob = vault.seal(plaintext, home)
    if elsewhere == home:
        assert vault.open(blob, elsewhere) == plaintext
    else:
        with pytest.raises(Unreadable):
            vault.open(blob, elsewhere)


def test_a_flipped_byte_is_detected(vault: Vault) -> None:
    aad = Aad("identity", "identifiers", "phone", "sub_" + "b" * 24)
    blob = bytearray(vault.seal(b"+84912345678", aad))
    blob[-1] ^= 1
    with pytest.raises(Unreadable):
        vault.open(bytes(blob), aad)


def test_destroying_the_subject_key_makes_its_ciphertexts_unreadable(
    keys: InMemoryKeys, vault: Vault
) -> None:
    aad = Aad("profile", "traits", "name", "sub_" + "c" * 24)
    blob = vault.seal("Nguyễn Văn An".encode(), aad)
    keys.destroy(aad.subject_id)
    with pytest.raises(SubjectErased):
        vault.open(blob, aad)
    with pytest.raises(SubjectErased):
        vault.seal(b"new data", aad)


_SHARED_KEYS = InMemoryKeys()


def test_nonces_never_repeat_under_one_key_over_a_million_encryptions(vault: Vault) -> None:
    aad = Aad("ingestion", "events", "pii", "sub_" + "d" * 24)
    nonces = {vault.seal(b"x", aad)[5:17] for _ in range(2**20)}
    assert len(nonces) == 2**20
