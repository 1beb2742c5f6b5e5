"""T27: the audit chain detects modified bytes, deleted, swapped and inserted entries and a cut tail."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from cdp.consent.adapters.audit_keys import load_or_create_signing_key
from cdp.consent.adapters.audit_repository import AUDIT_LOCK, AuditWriter, read_entries
from cdp.consent.domain.audit import (
    GENESIS,
    ChainVerifier,
    NewAuditEntry,
    UnfitAuditEntry,
    chain_hash,
    check_entry,
    entry_body,
)
from cdp.consent.domain.consent import IdentifierRef
from cdp.consent.service_layer.audit import checkpoint_audit_chain, verify_audit_chain
from cdp.consent.service_layer.consent import record_consent
from cdp.db import write_transaction
from tests.support.scan import encodings
from tests.unit.consent.builders import T0, Clock, command, ledger, migrated_engine

KEY = Ed25519PrivateKey.generate()
SUB = "sub_" + "a" * 24
ENTRIES, EVERY = 25, 10


def _entry(n: int) -> NewAuditEntry:
    return NewAuditEntry("test", "consent.recorded", (SUB,), {"record": f"consentRecords/r{n}"})


@pytest.fixture
def engine() -> Engine:
    engine = migrated_engine()
    writer = AuditWriter(KEY, EVERY, clock=Clock())
    for n in range(ENTRIES):
        with write_transaction(engine, AUDIT_LOCK) as conn:
            writer.append(conn, _entry(n))
    return engine


def _tamper(engine: Engine, *statements: str, **params) -> None:
    """What someone with direct database access could do: first drop the append-only guards."""
    with engine.begin() as conn:
        for table in ("audit_entries", "audit_checkpoints"):
            for operation in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
        for statement in statements:
            conn.execute(text(statement), params)


def _row(engine: Engine, sequence: int) -> tuple[str, str]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT body, entry_hash FROM audit_entries WHERE sequence = :s"), {"s": sequence}
        ).one()


def _verify(engine: Engine):
    return verify_audit_chain(engine, KEY.public_key())


def test_an_untouched_chain_verifies_with_a_checkpoint_every_n_entries(engine) -> None:
    assert _verify(engine) == (True, ENTRIES, 0, "")
    with engine.connect() as conn:
        signed = conn.execute(text("SELECT sequence FROM audit_checkpoints")).scalars().all()
    assert signed == [10, 20]


def test_the_database_refuses_to_change_or_delete_entries(engine) -> None:
    for statement in (
        "UPDATE audit_entries SET body = 'x' WHERE sequence = 1",
        "DELETE FROM audit_entries WHERE sequence = 1",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(Exception, match="not allowed"), engine.begin() as conn:
            conn.execute(text(statement))
    assert _verify(engine).valid


def test_one_modified_byte_is_detected(engine) -> None:
    body, _ = _row(engine, 7)
    _tamper(
        engine, "UPDATE audit_entries SET body = :b WHERE sequence = 7", b=body.replace("r6", "r9")
    )
    assert _verify(engine)[:3] == (False, ENTRIES, 7)


def test_a_modified_stored_hash_is_detected(engine) -> None:
    _, digest = _row(engine, 12)
    flipped = ("0" if digest[0] != "0" else "1") + digest[1:]
    _tamper(engine, "UPDATE audit_entries SET entry_hash = :h WHERE sequence = 12", h=flipped)
    assert _verify(engine)[:3] == (False, ENTRIES, 12)


def test_a_deleted_entry_is_detected(engine) -> None:
    _tamper(engine, "DELETE FROM audit_entries WHERE sequence = 7")
    result = _verify(engine)
    assert result[:3] == (False, ENTRIES - 1, 7) and "missing" in result.problem


def test_swapped_entries_are_detected(engine) -> None:
    seven, eight = _row(engine, 7), _row(engine, 8)
    _tamper(
        engine,
        "UPDATE audit_entries SET body = :b8, entry_hash = :h8 WHERE sequence = 7",
        "UPDATE audit_entries SET body = :b7, entry_hash = :h7 WHERE sequence = 8",
        b7=seven[0],
        h7=seven[1],
        b8=eight[0],
        h8=eight[1],
    )
    assert _verify(engine)[:3] == (False, ENTRIES, 7)


def test_an_inserted_entry_is_detected_even_with_a_valid_hash_of_its_own(engine) -> None:
    _, previous = _row(engine, 12)
    forged = entry_body(13, T0, _entry(99))
    _tamper(
        engine,
        "UPDATE audit_entries SET sequence = sequence + 1000 WHERE sequence > 12",
        "UPDATE audit_entries SET sequence = sequence - 999 WHERE sequence > 1000",
        "INSERT INTO audit_entries (sequence, body, entry_hash) VALUES (13, :b, :h)",
        b=forged.decode(),
        h=chain_hash(bytes.fromhex(previous), forged).hex(),
    )
    result = _verify(engine)
    assert not result.valid and result.first_bad_sequence == 14


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(engine) -> None:
    rows = [_row(engine, n) for n in range(1, ENTRIES + 1)]
    rows[14] = (rows[14][0].replace("r14", "rX"), "")
    previous, statements, params = GENESIS, [], {}
    for n, (body, _) in enumerate(rows, start=1):
        previous = chain_hash(previous, body.encode())
        statements.append(
            f"UPDATE audit_entries SET body = :b{n}, entry_hash = :h{n} WHERE sequence = {n}"
        )
        params |= {f"b{n}": body, f"h{n}": previous.hex()}
    _tamper(engine, *statements, **params)
    result = _verify(engine)
    assert result[:3] == (False, ENTRIES, 11) and "checkpoint 20" in result.problem


def test_a_truncated_tail_is_caught_by_a_checkpoint_beyond_the_end(engine) -> None:
    _tamper(engine, "DELETE FROM audit_entries WHERE sequence >= 19")
    result = _verify(engine)
    assert result[:3] == (False, 18, 19) and "truncated" in result.problem


def test_an_on_demand_checkpoint_protects_the_newest_entries(engine) -> None:
    checkpoint = checkpoint_audit_chain(engine, AuditWriter(KEY, EVERY))
    assert checkpoint is not None and checkpoint.sequence == ENTRIES
    assert checkpoint_audit_chain(engine, AuditWriter(KEY, EVERY)) == checkpoint
    _tamper(engine, f"DELETE FROM audit_entries WHERE sequence = {ENTRIES}")
    assert _verify(engine)[:3] == (False, ENTRIES - 1, ENTRIES)


def test_a_forged_or_foreign_checkpoint_signature_is_detected(engine) -> None:
    assert not verify_audit_chain(engine, Ed25519PrivateKey.generate().public_key()).valid
    _tamper(
        engine,
        "UPDATE audit_checkpoints SET time = '2030-01-01T00:00:00.000000Z' WHERE sequence = 20",
    )
    result = _verify(engine)
    assert result[:3] == (False, ENTRIES, 20) and "signature" in result.problem


def test_an_empty_log_is_valid_and_has_no_checkpoint() -> None:
    engine = migrated_engine()
    assert _verify(engine) == (True, 0, 0, "")
    assert checkpoint_audit_chain(engine, AuditWriter(KEY)) is None


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_single_character_change_anywhere_is_detected(data) -> None:
    bodies = [entry_body(n, T0, _entry(n)).decode() for n in range(1, 31)]
    hashes, previous = [], GENESIS
    for body in bodies:
        previous = chain_hash(previous, body.encode())
        hashes.append(previous.hex())
    target = data.draw(st.integers(0, len(bodies) - 1))
    position = data.draw(st.integers(0, len(bodies[target]) - 1))
    new = data.draw(st.characters(codec="utf-8").filter(lambda c: c != bodies[target][position]))
    bodies[target] = bodies[target][:position] + new + bodies[target][position + 1 :]
    verifier = ChainVerifier([])
    verifier.feed(zip(range(1, 31), bodies, hashes, strict=True))
    assert verifier.finish([])[:3] == (False, 30, target + 1)


@pytest.mark.parametrize(
    "entry",
    [
        NewAuditEntry("test", "consent.recorded", (), {"email": "alice@example.test"}),
        NewAuditEntry("test", "consent.recorded", (), {"phone": "+84 90 123 4567"}),
        NewAuditEntry("test", "consent.recorded", (), {"nested": {"who": ["bob@example.test"]}}),
        NewAuditEntry("test", "consent.recorded", ("alice@example.test",), {}),
        NewAuditEntry("test", "consent.recorded", (), {"ratio": 0.5}),
        NewAuditEntry("test", "consent.recorded", (), {"Bad Key": 1}),
        NewAuditEntry("test", "recorded", (), {}),
        NewAuditEntry("", "consent.recorded", (), {}),
        NewAuditEntry("test", "consent.recorded", (), {"blob": "x" * 5000}),
    ],
)
def test_entries_that_could_carry_personal_data_are_refused(entry: NewAuditEntry) -> None:
    with pytest.raises(UnfitAuditEntry) as caught:
        check_entry(entry)
    assert "example.test" not in str(caught.value)


def test_ordinary_details_pass() -> None:
    check_entry(
        NewAuditEntry(
            "service:identity",
            "dsr.created.erasure",
            (SUB,),
            {"request": "dataSubjectRequests/1", "due": "2026-01-31", "counts": {"events": 10000}},
        )
    )


def test_consent_audit_entries_carry_no_personal_data() -> None:
    engine = migrated_engine()
    store = ledger(engine, Clock())
    people = [
        IdentifierRef("email", "canary+audit@example.test"),
        IdentifierRef("phone", "+66812345678"),
    ]
    for subject in people:
        record_consent(store, command(subject=subject, evidence_ref="ev-1"))
    with engine.connect() as conn:
        stored = repr(conn.execute(text("SELECT * FROM audit_entries")).all()).encode()
        entries = read_entries(conn)
    forms = [form for p in people for form in encodings(p.value).values()]
    assert [f for f in forms if f.lower() in stored.lower()] == []
    # Entries name a digest of the subject ids, so an erased person leaves no id behind (T10).
    assert all(not e.subject_ids and len(e.details["subject_digest"]) == 64 for e in entries)


def test_the_signing_key_file_is_created_private_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    key = load_or_create_signing_key(path)
    again = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.public_key().public_bytes_raw() == again.public_key().public_bytes_raw()
    assert [p.name for p in path.parent.iterdir()] == ["audit.pem"]
