"""Peer clients: consent (CheckConsent per profile and purpose) and profile (computed trait values)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc

from cdp.api.consent.v1 import consent_service_pb2 as consent_pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as consent_grpc
from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as profile_grpc
from cdp.db.outbox import Pending

log = logging.getLogger("cdp.segmentation")
MAX_QUERIES = 1000  # CheckConsent's limit per call

Answers = dict[tuple[str, str], bool]


class GrpcConsentChecker:
    """Asks the consent service, the only authority on consent, restriction and erasure."""

    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stub = consent_grpc.ConsentServiceStub(channel)
        self._timeout = timeout

    def check(self, profile_ids: Sequence[str], purposes: Sequence[str]) -> Answers | None:
        """{(profile, purpose): granted}, or None when consent could not be asked (retry later)."""
        questions = [(p, purpose) for p in profile_ids for purpose in purposes]
        answers: Answers = {}
        try:
            for start in range(0, len(questions), MAX_QUERIES):
                chunk = questions[start : start + MAX_QUERIES]
                answers.update(zip(chunk, self._ask(chunk), strict=True))
        except grpc.RpcError as err:
            log.warning("CheckConsent failed (%s); consent stays unknown", err.code().name)
            return None
        return answers

    def _ask(self, chunk: Sequence[tuple[str, str]]) -> Sequence[bool]:
        request = consent_pb.CheckConsentRequest(
            queries=[
                consent_pb.ConsentQuery(subject=f"profiles/{p}", purpose=purpose)
                for p, purpose in chunk
            ]
        )
        return self._stub.CheckConsent(request, timeout=self._timeout).granted


class GrpcComputedTraitSink:
    """Delivers outbox entries (serialized ApplyComputedTraitsRequest) to the profile service."""

    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stub = profile_grpc.ProfileServiceStub(channel)
        self._timeout = timeout

    def __call__(self, batch: Sequence[Pending]) -> None:
        for entry in batch:
            request = profile_pb.ApplyComputedTraitsRequest.FromString(entry.payload)
            self._stub.ApplyComputedTraits(request, timeout=self._timeout)
