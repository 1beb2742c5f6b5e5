"""Personal traits are sealed at rest, and a destroyed subject key makes that subject's rows unreadable."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cdp.pii import Aad, Vault
from cdp.pii.vault import SubjectErased
from cdp.profile.bootstrap import App
from cdp.profile.domain.errors import ProfileNotFound
from tests.integration.profile.flows import apply, read, timeline, traits
from tests.integration.profile.support import SECOND, Sealer, as_event, event, new_profile, request

T0 = 1_700_000_000 * SECOND
TABLES = ("profiles", "profile_events", "profile_traits")


def _stored_bytes(database_url: str) -> bytes:
    """Every byte the database holds for us: the SQLite files (WAL too), or every PostgreSQL row."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return b"".join(
                str(row).encode() + b"".join(v for v in row if isinstance(v, bytes))
                for table in TABLES
                for row in conn.execute(text(f"SELECT * FROM {table}"))
            )
    finally:
        engine.dispose()


def test_no_personal_trait_value_is_stored_in_plaintext(
    app: App, sealer: Sealer, database_url: str
) -> None:
    tag = uuid.uuid4().hex[:12]
    secrets = {
        "email": f"canary+{tag}@example.test",
        "name": f"Nguyễn Canary {tag}",
        "phone": "+84912345678",
        "address": {"street": f"12 Canary Lane {tag}"},
    }
    person = new_profile()
    sent = sealer.seal(
        event(
            "identify",
            user_id=f"canary-{tag}",
            at=T0,
            traits={**secrets, "plan": f"gold-{tag}"},
            context={"ip": "198.51.100.77"},
        )
    )

    apply(app, request(as_event(1, person, sent)))

    stored = _stored_bytes(database_url)
    # Non-personal traits are plain JSON: seeing this one proves the scan reads the rows.
    assert f"gold-{tag}".encode() in stored
    for secret in (
        secrets["email"],
        secrets["name"],
        f"12 Canary Lane {tag}",
        f"canary-{tag}",
        "198.51.100.77",
    ):
        assert secret.encode() not in stored
    assert traits(app, person)["email"] == secrets["email"]
    assert {t.key for t in read(app, person).traits if t.personal} == set(secrets)


def test_destroying_the_subject_key_makes_its_rows_unreadable(
    app: App, sealer: Sealer, keys, vault: Vault
) -> None:
    person = new_profile()
    erased = sealer.seal(
        event(
            "identify", user_id="gone", at=T0, traits={"email": "gone@example.com", "plan": "pro"}
        )
    )
    other = sealer.seal(
        event("identify", anonymous_id="kept", at=T0 + 1, traits={"name": "Kept Person"})
    )
    apply(app, request(as_event(1, person, erased), as_event(2, person, other)))

    keys.destroy(erased.subject_id)

    assert traits(app, person) == {"name": "Kept Person"}
    assert [e.message_id for e in timeline(app, person)] == [other.message_id]
    with pytest.raises(SubjectErased):
        vault.open(
            erased.sealed_pii, Aad("suite", "events", "pii/" + erased.message_id, erased.subject_id)
        )


def test_events_of_an_erased_subject_are_dropped_and_counted(
    app: App, sealer: Sealer, keys
) -> None:
    person = new_profile()
    late = sealer.seal(event("identify", user_id="gone", traits={"email": "gone@example.com"}))
    track = sealer.seal(event("track", user_id="gone", name="Viewed"))
    keys.destroy(late.subject_id)

    applied = apply(app, request(as_event(1, person, late), as_event(2, person, track)))

    assert (applied.applied, applied.erased) == (0, 2)
    with pytest.raises(ProfileNotFound):
        read(app, person)
