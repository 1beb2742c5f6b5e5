"""Splitting and sealing: public JSON holds nothing personal; the sealed parts open back to the originals."""

from __future__ import annotations

import json

import pytest

from cdp.errors import Unavailable
from cdp.ingestion.adapters.repository import VaultSealer
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.model import Event, EventType, SealedEvent
from cdp.ingestion.domain.validation import prepare_batch
from cdp.pii import Aad, BlindIndexer, Vault, normalize
from cdp.pii.documents import merge
from tests.unit.ingestion.fakes import NOW_NS

EMAIL, PHONE, NAME, USER = (
    "Canary.One@Example.test",
    "0912 345 678",
    "Nguyễn Thị Canary",
    "canary-user-42",
)
TRAITS = {
    "email": EMAIL,
    "phone": PHONE,
    "name": NAME,
    "firstName": "สมชาย",
    "plan": "gold",
    "logins": 5,
    "id": USER,
    "address": {"street": "1 Lê Lợi", "country": "VN"},
}
PROPERTIES = {
    "revenue": 19.99,
    "products": [{"sku": "A", "name": "Áo dài", "price": 10}],
    "coupon": None,
}
CONTEXT = {
    "ip": "203.0.113.9",
    "locale": "vi-VN",
    "device": {"id": "canary-device", "model": "iPhone"},
    "traits": {"email": EMAIL},
    "library": {"name": "analytics.js", "version": "2.1"},
}
PLAINTEXT = [
    EMAIL,
    EMAIL.lower(),
    "+84912345678",
    PHONE,
    NAME,
    "สมชาย",
    USER,
    "canary-device",
    "203.0.113.9",
    "Lê Lợi",
]


def _event(**changes) -> Event:
    fields = {
        "message_id": "m-1",
        "type": EventType.IDENTIFY,
        "user_id": USER,
        "anonymous_id": "anon-7",
        "traits": TRAITS,
        "properties": PROPERTIES,
        "context": CONTEXT,
        "integrations": {"All": True},
    }
    return Event(**{**fields, **changes})


def _seal(vault: Vault, indexer: BlindIndexer, *events: Event) -> list[SealedEvent | None]:
    prepared, rejected = prepare_batch(list(events), 0, NOW_NS, DocumentSplitter())
    assert rejected == []
    return VaultSealer(vault, indexer).seal("src", prepared, NOW_NS)


def _documents(vault: Vault, sealed: SealedEvent) -> dict:
    public = json.loads(sealed.public_json)
    aad = Aad(
        service="suite",
        table="events",
        field="pii/" + sealed.message_id,
        subject_id=sealed.subject_id,
    )
    return merge(public, json.loads(vault.open(sealed.sealed_pii, aad)))


def test_public_json_holds_no_personal_value(vault: Vault, indexer: BlindIndexer) -> None:
    (sealed,) = _seal(vault, indexer, _event())
    public = sealed.public_json.decode()
    assert [
        value for value in PLAINTEXT if value in public or value.lower() in public.lower()
    ] == []
    assert json.loads(public)["traits"] == {"plan": "gold", "logins": 5}


def test_sealed_pii_opens_back_to_the_original_documents(
    vault: Vault, indexer: BlindIndexer
) -> None:
    (sealed,) = _seal(vault, indexer, _event())
    documents = _documents(vault, sealed)
    assert documents["traits"] == TRAITS
    assert documents["properties"] == PROPERTIES
    assert documents["context"] == CONTEXT
    assert documents["integrations"] == {"All": True}


def test_each_identifier_is_sealed_for_identity_under_its_own_subject(
    vault: Vault, indexer: BlindIndexer
) -> None:
    (sealed,) = _seal(vault, indexer, _event())
    opened = {}
    for identifier in sealed.identifiers:
        assert identifier.subject_id == indexer.subject_id(identifier.blind_index)
        aad = Aad(
            service="identity",
            table="identifiers",
            field=identifier.type,
            subject_id=identifier.subject_id,
        )
        opened[identifier.type] = vault.open(identifier.sealed_value, aad).decode()
    assert opened == {
        "user_id": USER,
        "anonymous_id": "anon-7",
        "email": normalize("email", EMAIL),
        "phone": "+84912345678",
        "device_id": "canary-device",
    }
    assert sealed.identifiers[2].blind_index == indexer.index_raw("email", EMAIL.upper())


def test_the_subject_is_the_first_unblocked_identifier_in_priority_order(
    vault: Vault, indexer: BlindIndexer
) -> None:
    by_user, by_email, by_anonymous = _seal(
        vault,
        indexer,
        _event(),
        _event(message_id="m-2", user_id="null"),
        _event(message_id="m-3", user_id="", traits={"plan": "x"}, context={}),
    )
    assert by_user.subject_id == indexer.subject_id(indexer.index("user_id", USER))
    assert by_email.subject_id == indexer.subject_id(
        indexer.index("email", normalize("email", EMAIL))
    )
    assert by_anonymous.subject_id == indexer.subject_id(indexer.index("anonymous_id", "anon-7"))


def test_a_blocked_placeholder_is_carried_but_never_the_subject(
    vault: Vault, indexer: BlindIndexer
) -> None:
    (sealed,) = _seal(vault, indexer, _event(anonymous_id="undefined", traits={}, context={}))
    assert [i.type for i in sealed.identifiers] == ["user_id", "anonymous_id"]
    assert sealed.subject_id == sealed.identifiers[0].subject_id


def test_alias_carries_previous_id_and_group_id_is_public(
    vault: Vault, indexer: BlindIndexer
) -> None:
    alias, group = _seal(
        vault,
        indexer,
        Event(message_id="a", type=EventType.ALIAS, user_id="new", previous_id="old"),
        Event(
            message_id="g",
            type=EventType.GROUP,
            user_id="new",
            group_id="g-1",
            traits={"name": "Initech", "email": "billing@initech.test"},
        ),
    )
    assert [i.type for i in alias.identifiers] == ["user_id", "previous_id"]
    assert json.loads(group.public_json)["group_id"] == "g-1"
    assert [i.type for i in group.identifiers] == ["user_id"]  # a group's email is not the user's
    assert b"initech" not in group.public_json.lower()


def test_an_event_with_nothing_personal_has_empty_sealed_pii(
    vault: Vault, indexer: BlindIndexer
) -> None:
    (sealed,) = _seal(
        vault,
        indexer,
        Event(
            message_id="t",
            type=EventType.TRACK,
            anonymous_id="a",
            event="E",
            properties={"sku": "A"},
        ),
    )
    assert sealed.sealed_pii == b""
    assert json.loads(sealed.public_json) == {"properties": {"sku": "A"}}


def test_an_erased_subject_is_suppressed_and_others_are_not(
    keys, vault: Vault, indexer: BlindIndexer
) -> None:
    erased = indexer.subject_id(indexer.index("user_id", "gone"))
    keys.destroy(erased)
    kept, suppressed, via_email = _seal(
        vault,
        indexer,
        _event(),
        _event(message_id="m-2", user_id="gone"),
        _event(
            message_id="m-3",
            user_id="someone",
            traits={"email": "x@y.test"},
            context={},
            external_ids={"crm_id": "gone"},
        ),
    )
    assert kept is not None and suppressed is None
    assert via_email is not None  # crm_id "gone" is another namespace than user_id "gone"


def test_an_erased_secondary_identifier_suppresses_the_event(
    keys, vault: Vault, indexer: BlindIndexer
) -> None:
    keys.destroy(indexer.subject_id(indexer.index_raw("email", "old@example.test")))
    (sealed,) = _seal(vault, indexer, _event(traits={"email": "old@example.test"}, context={}))
    assert sealed is None


@pytest.mark.parametrize("keys_config", [("plan",), ("nothing",)])
def test_configured_keys_replace_the_classification_but_identifiers_stay_personal(
    vault: Vault, indexer: BlindIndexer, keys_config: tuple[str, ...]
) -> None:
    splitter = DocumentSplitter(keys_config)
    prepared, _ = prepare_batch([_event()], 0, NOW_NS, splitter)
    public = prepared[0].public_json.decode()
    assert EMAIL not in public and "canary-device" not in public and USER not in public
    assert ("gold" in public) is (keys_config != ("plan",))


def test_a_key_the_key_service_did_not_give_is_retryable(indexer: BlindIndexer) -> None:
    class NoKeys:
        def get_keys(self, subject_ids, create):
            return {}

    prepared, _ = prepare_batch([_event()], 0, NOW_NS, DocumentSplitter())
    with pytest.raises(Unavailable) as caught:
        VaultSealer(Vault(NoKeys()), indexer).seal("src", prepared, NOW_NS)
    assert caught.value.reason == "DATA_KEY_MISSING"
