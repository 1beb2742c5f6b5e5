"""Builds sealed events exactly as ingestion does (pipeline.md), for identity's tests of every kind."""

from __future__ import annotations

from collections.abc import Sequence

from cdp.api.identity.v1 import identifier_pb2 as id_pb
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import sealed_event_pb2 as se
from cdp.identity import mapping
from cdp.identity.domain import commands
from cdp.pii import Aad, BlindIndexer, Vault, normalize

Ids = Sequence[tuple[str, str]]


def sealed_identifier(
    indexer: BlindIndexer, vault: Vault, id_type: str, value: str
) -> se.SealedIdentifier:
    normalized = normalize(id_type, value)
    blind_index = indexer.index(id_type, normalized)
    subject_id = indexer.subject_id(blind_index)
    sealed = vault.seal(normalized.encode(), Aad("identity", "identifiers", id_type, subject_id))
    return se.SealedIdentifier(
        type=id_type, blind_index=blind_index, sealed_value=sealed, subject_id=subject_id
    )


def sealed_event(
    indexer: BlindIndexer, vault: Vault, message_id: str, ids: Ids, source: str = "web"
) -> se.SealedEvent:
    identifiers = [sealed_identifier(indexer, vault, id_type, value) for id_type, value in ids]
    return se.SealedEvent(
        message_id=message_id,
        source=source,
        type=event_pb2.EVENT_TYPE_TRACK,
        event_name="Viewed",
        identifiers=identifiers,
        subject_id=identifiers[0].subject_id,
        public_json=b'{"properties": {}}',
    )


def resolve_events_command(
    indexer: BlindIndexer, vault: Vault, events: Sequence[tuple[str, Ids]]
) -> commands.ResolveEvents:
    request = pb.ResolveEventsRequest(
        events=[sealed_event(indexer, vault, m, ids) for m, ids in events]
    )
    return mapping.resolve_events(request)


def identify_command(*sets: Ids, message_prefix: str = "m") -> commands.ResolveIdentities:
    return commands.ResolveIdentities(
        tuple(
            commands.PlainSet(
                f"{message_prefix}{n}",
                tuple(commands.plain_identifier(t, v, "test") for t, v in ids),
            )
            for n, ids in enumerate(sets)
        )
    )


def identifier_set(ids: Ids, message_id: str = "") -> pb.IdentifierSet:
    return pb.IdentifierSet(
        identifiers=[id_pb.Identifier(type=t, value=v) for t, v in ids], message_id=message_id
    )
