"""ConsentService servicer: proto <-> consent use cases, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from sqlalchemy import Engine

from cdp.api.consent.v1 import consent_service_pb2 as pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as pb_grpc
from cdp.consent import consent_mapping as mapping
from cdp.consent.adapters.audit_repository import AuditWriter
from cdp.consent.adapters.identity_client import GrpcSubjectDirectory
from cdp.consent.service_layer import consent as handlers
from cdp.errors import Unauthenticated
from cdp.grpcx.interceptors import current_caller
from cdp.pii import BlindIndexer


class ConsentServicer(pb_grpc.ConsentServiceServicer):
    def __init__(
        self,
        engine: Engine,
        indexer: BlindIndexer,
        audit: AuditWriter,
        identity_channel: grpc.Channel | None = None,
        blocked: handlers.Blocked | None = None,
        clock: Callable[[], datetime] = handlers.utc_now,
        notify: Callable[[], None] = handlers.no_relay,
    ) -> None:
        directory = None if identity_channel is None else GrpcSubjectDirectory(identity_channel)
        self._ledger = handlers.ConsentLedger(
            engine, indexer, audit, directory, blocked, clock, notify
        )

    def RecordConsent(
        self, request: pb.RecordConsentRequest, context: grpc.ServicerContext
    ) -> pb.RecordConsentResponse:
        record = handlers.record_consent(self._ledger, mapping.record_command(request, _actor()))
        return pb.RecordConsentResponse(record=mapping.record_to_proto(record))

    def GetConsentState(
        self, request: pb.GetConsentStateRequest, context: grpc.ServicerContext
    ) -> pb.GetConsentStateResponse:
        subject_id, states = handlers.consent_state(
            self._ledger, mapping.identifier(request.subject)
        )
        return pb.GetConsentStateResponse(
            subject_id=subject_id, purposes=[mapping.state_to_proto(s) for s in states]
        )

    def ListConsentHistory(
        self, request: pb.ListConsentHistoryRequest, context: grpc.ServicerContext
    ) -> pb.ListConsentHistoryResponse:
        records, token = handlers.consent_history(
            self._ledger, mapping.identifier(request.subject), request.page_size, request.page_token
        )
        return pb.ListConsentHistoryResponse(
            records=[mapping.record_to_proto(r) for r in records], next_page_token=token
        )

    def CheckConsent(
        self, request: pb.CheckConsentRequest, context: grpc.ServicerContext
    ) -> pb.CheckConsentResponse:
        granted = handlers.check_consent(self._ledger, mapping.queries(request))
        return pb.CheckConsentResponse(granted=granted)


def _actor() -> str:
    """The recording caller, from the token the auth interceptor verified."""
    caller = current_caller.get()
    if caller is None:
        raise Unauthenticated("CALLER_UNKNOWN", "no verified caller for this call")
    return caller.subject
