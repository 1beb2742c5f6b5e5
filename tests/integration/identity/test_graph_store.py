"""The identity graph on real databases: idempotency, concurrent writers, ciphertext only at rest."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from sqlalchemy import MetaData, func, select, text

from cdp.identity.adapters.orm import (
    identifiers,
    merge_records,
    outbox,
    processed_messages,
    profiles,
)
from cdp.identity.domain import commands
from cdp.identity.service_layer import handlers, queries
from tests.integration.identity.conftest import IdentityHarness
from tests.unit.identity.builders import identify_command


def count(identity: IdentityHarness, table, *where) -> int:
    with identity.app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def lookup(identity: IdentityHarness, id_type: str, value: str) -> str:
    query = commands.LookupProfile(commands.plain_identifier(id_type, value, "identifier"))
    return queries.lookup_profile(query, identity.app.new_uow())


def test_a_redelivered_batch_is_resolved_and_forwarded_once(identity):
    batch = [
        ("e1", [("anonymous_id", "a-1")]),
        ("e2", [("anonymous_id", "a-1"), ("email", "an@x.vn")]),
    ]

    first = identity.resolve(*batch)
    again = identity.resolve(*batch)

    assert (first.resolved, again.resolved, again.duplicates) == (2, 0, 2)
    assert count(identity, outbox) == 1
    assert count(identity, identifiers) == 2
    assert count(identity, processed_messages) == 2
    assert count(identity, merge_records) == 2  # CREATE, then LINK


def test_one_call_takes_what_the_ingestion_relay_sends_at_once(identity):
    events = [(f"e{n}", [("anonymous_id", f"a-{n % 700}")]) for n in range(1500)]

    result = identity.resolve(*events)

    assert (result.resolved, result.duplicates) == (1500, 0)
    assert count(identity, profiles) == 700
    assert count(identity, outbox) == 1


def test_the_same_message_id_from_two_sources_is_two_events(identity):
    result = identity.resolve(("e1", [("anonymous_id", "a-1")]))
    other = handlers.resolve_events(
        identity.events(("e1", [("anonymous_id", "a-1")]), source="ios"),
        identity.app.new_uow(),
        identity.app.rules,
    )

    assert (result.resolved, other.resolved) == (1, 1)


def test_concurrent_batches_naming_one_person_make_one_profile(identity):
    errors: list[BaseException] = []

    def send(thread: int) -> None:
        try:
            for batch in range(4):
                anon = [f"a-{thread}-{batch}-{n}" for n in range(10)]
                identity.resolve(
                    *[(f"x-{a}", [("anonymous_id", a)]) for a in anon],
                    *[(f"y-{a}", [("anonymous_id", a), ("email", "one@x.vn")]) for a in anon],
                )
                handlers.resolve_identities(
                    identify_command(
                        [("email", "ONE@x.vn"), ("device_id", f"d-{thread}")],
                        message_prefix=f"s-{thread}-{batch}",
                    ),
                    identity.app.new_uow(),
                    identity.app.rules,
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    person = lookup(identity, "email", "one@x.vn")
    assert {
        lookup(identity, "anonymous_id", f"a-{t}-{b}-{n}")
        for t in range(6)
        for b in range(4)
        for n in range(10)
    } == {person}
    assert {lookup(identity, "device_id", f"d-{t}") for t in range(6)} == {person}
    assert count(identity, profiles, profiles.c.merged_into.is_(None)) == 1
    assert count(identity, identifiers) == 6 * 4 * 10 + 1 + 6


def test_a_split_moves_identifiers_and_both_profiles_explain_it(identity):
    identity.resolve(
        ("e1", [("user_id", "u-1"), ("email", "family@x.th"), ("device_id", "tablet")])
    )
    person = lookup(identity, "user_id", "u-1")
    split = commands.SplitProfile(
        person, (commands.plain_identifier("device_id", "tablet", "i"),), "r-1"
    )

    done = handlers.split_profile(split, identity.app.new_uow())
    repeat = handlers.split_profile(split, identity.app.new_uow())

    assert repeat.new_profile_id == done.new_profile_id and repeat.record == done.record
    assert lookup(identity, "device_id", "tablet") == done.new_profile_id
    for profile_id in (person, done.new_profile_id):
        kinds = [
            r.kind.value
            for r in queries.explain_profile(
                commands.ExplainProfile(profile_id), identity.app.new_uow()
            )[1]
        ]
        assert kinds[-1] == "SPLIT"
    moved = queries.list_profile_identities(
        commands.ListProfileIdentities(done.new_profile_id), identity.app.new_uow()
    )[1]
    assert [(i.type, i.value, i.message_id) for i in moved] == [("device_id", "tablet", "r-1")]
    assert count(identity, outbox) == 2


def test_merged_away_names_keep_working(identity):
    identity.resolve(("e1", [("anonymous_id", "a-1")]), ("e2", [("anonymous_id", "a-2")]))
    absorbed = lookup(identity, "anonymous_id", "a-2")
    identity.resolve(("e3", [("anonymous_id", "a-1"), ("anonymous_id", "a-2")]))

    survivor, found = queries.list_profile_identities(
        commands.ListProfileIdentities(absorbed), identity.app.new_uow()
    )

    assert survivor == lookup(identity, "anonymous_id", "a-1") != absorbed
    assert {i.value for i in found} == {"a-1", "a-2"}


def test_no_plaintext_identifier_reaches_the_database(identity, database_url, tmp_path):
    canary = uuid.uuid4().hex[:12]
    values = [
        f"canary+{canary}@example.test",
        f"user-{canary}",
        f"device-{canary}",
        f"anon-{canary}",
        "+84901234567",
    ]
    identity.resolve(
        (
            f"m-{canary}",
            [
                ("email", values[0].upper()),
                ("user_id", values[1]),
                ("device_id", values[2]),
                ("anonymous_id", values[3]),
                ("phone", "090 123 4567"),
            ],
        )
    )
    person = lookup(identity, "user_id", values[1])
    handlers.split_profile(
        commands.SplitProfile(
            person, (commands.plain_identifier("device_id", values[2], "i"),), "r"
        ),
        identity.app.new_uow(),
    )

    stored = _stored_bytes(identity, database_url, tmp_path)

    for value in values:
        for spelling in {value, value.upper(), value.lower()}:
            assert spelling.encode() not in stored
            assert spelling.encode("utf-16-le") not in stored


def _stored_bytes(identity: IdentityHarness, database_url: str, tmp_path: Path) -> bytes:
    if database_url.startswith("sqlite"):
        with identity.app.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
        return b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    metadata = MetaData()
    metadata.reflect(identity.app.engine)
    chunks = []
    with identity.app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                chunks.extend(v if isinstance(v, bytes) else str(v).encode() for v in row)
    return b"\n".join(chunks)
