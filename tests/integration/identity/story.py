"""One person's history in the identity graph, driven through any interface (use cases or gRPC).

Mai arrives anonymously, then with an email, then with a user id (three profiles merged into the
first), and later a second anonymous profile of hers is merged in. Around her: Yen (another person
who shares a TV device with her and refuses merges), a blocked "null" id and a device split off
into a new profile. Who is Mai, and what must erasing her leave of the others?
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, select

from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.pii import BlindIndexer, normalize

Ids = Sequence[tuple[str, str]]

# Mai's identifiers as the graph holds them, and one she gave that identity never saw.
MAI = [
    ("anonymous_id", "a-1"),
    ("email", "mai@example.vn"),
    ("user_id", "u-1"),
    ("anonymous_id", "a-2"),
    ("device_id", "d-2"),
]
MAI_UNSEEN = ("phone", "+84912345678")
YEN = [("user_id", "u-9"), ("device_id", "shared-tv")]
SPLIT_OFF = ("device_id", "d-split")
# Mai's identifiers as she might re-send them, spelled differently.
RESPELLED = [
    ("email", "  MAI@Example.VN "),
    ("user_id", "u-1"),
    ("device_id", "d-2"),
    ("phone", "0912 345 678"),
]


@dataclass(frozen=True)
class Story:
    first: str  # Mai's surviving profile (anonymous), then the ones merged into it
    by_email: str
    by_user: str
    late: str
    yen: str
    split_off: str

    @property
    def mai(self) -> set[str]:
        return {self.first, self.by_email, self.by_user, self.late}


def tell(
    send: Callable[..., object],
    lookup: Callable[[str, str], str],
    split: Callable[[str, Ids, str], str],
) -> Story:
    """send(*events) resolves one batch of (message_id, ids); lookup and split return profile ids."""
    send(("s1", [MAI[0]]))
    send(("s2", [MAI[1]]))
    send(("s3", [MAI[2]]))
    first, by_email, by_user = (lookup(*MAI[n]) for n in range(3))
    send(("y1", YEN), ("s4", [MAI[0], MAI[1]]))  # Yen's event shares Mai's first merge's batch
    send(("s5", [MAI[1], MAI[2]]))
    send(("s6", [MAI[3], MAI[4]]))
    late = lookup(*MAI[3])
    send(("s7", [MAI[4], MAI[2]]))
    send(("s8", [MAI[2], YEN[1]]))  # Yen's TV is refused to Mai (one user_id per person)
    send(("y2", [YEN[0], MAI[4]]))  # Mai's device is refused to Yen
    send(("s9", [("anonymous_id", "null"), MAI[2]]))
    send(("s10", [MAI[2], SPLIT_OFF]))
    split_off = split(first, [SPLIT_OFF], "split-1")
    return Story(first, by_email, by_user, late, lookup(*YEN[0]), split_off)


def keys_of(indexer: BlindIndexer, ids: Sequence[tuple[str, str]]) -> tuple[set[bytes], set[str]]:
    """Blind indexes and subject ids of identifiers, as ingestion computes them."""
    indexes = {indexer.index(t, normalize(t, v)) for t, v in ids}
    return indexes, {indexer.subject_id(bi) for bi in indexes}


def references(
    engine: Engine,
    blind_indexes: set[bytes],
    subject_ids: set[str],
    profile_ids: set[str],
) -> list[str]:
    """Every table, every column, every row: where do these names still occur (outbox decoded)?

    No table is exempt: even the suppression set keeps digests, not the blind indexes themselves.
    """
    needles = [(bi, "blind index") for bi in blind_indexes]
    needles += [(bi.hex().encode(), "blind index (hex)") for bi in blind_indexes]
    needles += [(s.encode(), "subject id") for s in subject_ids]
    needles += [(p.encode(), "profile id") for p in profile_ids]
    metadata = MetaData()
    metadata.reflect(engine)
    hits = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    for form in _forms(value):
                        hits += [
                            f"{table.name}.{column}: {what}"
                            for needle, what in needles
                            if needle in form
                        ]
    return hits


def _forms(value: object) -> list[bytes]:
    if value is None:
        return []
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        return [raw, *_decoded(raw)]
    return [str(value).encode()]


def _decoded(raw: bytes) -> list[bytes]:
    """An outbox payload, field by field (a nested SealedEvent keeps identifiers as plain fields)."""
    try:
        request = profile_pb.ApplyProfileChangesRequest.FromString(raw)
    except Exception:
        return []
    forms: list[bytes] = []
    for change in request.changes:
        forms += [change.event.profile.encode(), change.merged.profile.encode()]
        forms += [p.encode() for p in change.merged.merged_profiles]
        forms += [change.split.profile.encode(), change.split.new_profile.encode()]
        forms += list(change.split.moved_blind_indexes)
        event = change.event.event
        forms.append(event.subject_id.encode())
        for identifier in event.identifiers:
            forms += [identifier.blind_index, identifier.subject_id.encode()]
    return [form for form in forms if form]
