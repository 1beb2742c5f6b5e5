"""The KeyService client: fetches subjects' data keys in batches for a CachedKeySource."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.consent.v1 import key_service_pb2 as pb
from cdp.api.consent.v1 import key_service_pb2_grpc as pb_grpc
from cdp.pii.keycache import CachedKeySource
from cdp.pii.vault import SubjectKey

MAX_PER_CALL = 1000
MAX_USAGES_PER_CALL = 10_000


class GrpcKeyFetch:
    def __init__(self, channel: grpc.Channel, timeout: float = 5.0) -> None:
        self._stub = pb_grpc.KeyServiceStub(channel)
        self._timeout = timeout

    def __call__(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        keys: dict[str, SubjectKey] = {}
        for start in range(0, len(subject_ids), MAX_PER_CALL):
            chunk = list(subject_ids[start : start + MAX_PER_CALL])
            response = self._stub.GetDataKeys(
                pb.GetDataKeysRequest(subject_ids=chunk, create_missing=create),
                timeout=self._timeout,
            )
            for key in response.keys:
                if key.state == pb.KEY_STATE_ACTIVE:
                    keys[key.subject_id] = SubjectKey(
                        key.subject_id, key.version, key.key, previous=dict(key.previous_keys)
                    )
                elif key.state == pb.KEY_STATE_DESTROYED:
                    keys[key.subject_id] = SubjectKey(
                        key.subject_id, key.version, None, destroyed=True
                    )
        return keys

    def report(self, usages: dict[tuple[str, int], int]) -> list[str]:
        """ReportKeyUsage in chunks; returns the subjects whose key the service rotated."""
        items = [
            pb.KeyUsage(subject_id=s, version=v, encryptions=n) for (s, v), n in usages.items()
        ]
        rotated: list[str] = []
        for start in range(0, len(items), MAX_USAGES_PER_CALL):
            request = pb.ReportKeyUsageRequest(usages=items[start : start + MAX_USAGES_PER_CALL])
            rotated += self._stub.ReportKeyUsage(request, timeout=self._timeout).rotated_subject_ids
        return rotated


def key_source(channel: grpc.Channel, ttl: float) -> CachedKeySource:
    fetch = GrpcKeyFetch(channel)
    return CachedKeySource(fetch, ttl=ttl, report=fetch.report)
