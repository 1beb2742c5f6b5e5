"""ConsentService protos <-> consent commands and records (and the audit verification response)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from cdp.api.consent.v1 import consent_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2 as privacy_pb
from cdp.api.identity.v1 import identifier_pb2
from cdp.consent.domain.audit import Verification
from cdp.consent.domain.consent import (
    ConsentMethod,
    ConsentQuery,
    ConsentRecord,
    ConsentStatus,
    IdentifierRef,
    PurposeState,
    RecordConsent,
)
from cdp.errors import InvalidArgument

STATUSES = {
    ConsentStatus.GRANTED: pb.CONSENT_STATUS_GRANTED,
    ConsentStatus.DENIED: pb.CONSENT_STATUS_DENIED,
    ConsentStatus.WITHDRAWN: pb.CONSENT_STATUS_WITHDRAWN,
}
METHODS = {
    ConsentMethod.CHECKBOX: pb.CONSENT_METHOD_CHECKBOX,
    ConsentMethod.SMS_SYNTAX: pb.CONSENT_METHOD_SMS_SYNTAX,
    ConsentMethod.VOICE: pb.CONSENT_METHOD_VOICE,
    ConsentMethod.WRITTEN: pb.CONSENT_METHOD_WRITTEN,
    ConsentMethod.API: pb.CONSENT_METHOD_API,
}
_STATUS_OF = {number: status for status, number in STATUSES.items()}
_METHOD_OF = {number: method for method, number in METHODS.items()}
# Timestamp's documented range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def identifier(message: identifier_pb2.Identifier) -> IdentifierRef:
    return IdentifierRef(message.type, message.value)


def record_command(request: pb.RecordConsentRequest, actor: str) -> RecordConsent:
    record = request.record
    return RecordConsent(
        subject=identifier(request.subject),
        purpose=record.purpose,
        status=_enum(_STATUS_OF, record.status, "record.status", "UNKNOWN_STATUS"),
        method=_enum(_METHOD_OF, record.method, "record.method", "UNKNOWN_METHOD"),
        notice_id=record.notice_id,
        notice_sha256=record.notice_sha256,
        notice_text=request.notice_text,
        language=record.language,
        channel=record.channel,
        evidence_ref=record.evidence_ref,
        jurisdiction=record.jurisdiction,
        valid_from=_optional_time(record, "valid_from"),
        expire_time=_optional_time(record, "expire_time"),
        request_id=request.request_id,
        actor=actor,
    )


def queries(request: pb.CheckConsentRequest) -> list[ConsentQuery]:
    return [ConsentQuery(q.subject, q.purpose) for q in request.queries]


def record_to_proto(record: ConsentRecord) -> pb.ConsentRecord:
    message = pb.ConsentRecord(
        name=record.name,
        subject_id=record.subject_id,
        purpose=record.purpose,
        status=STATUSES[record.status],
        notice_id=record.notice_id,
        notice_sha256=record.notice_sha256,
        language=record.language,
        channel=record.channel,
        method=METHODS[record.method],
        evidence_ref=record.evidence_ref,
        jurisdiction=record.jurisdiction,
        actor=record.actor,
    )
    message.valid_from.FromDatetime(record.valid_from)
    message.record_time.FromDatetime(record.record_time)
    if record.expire_time is not None:
        message.expire_time.FromDatetime(record.expire_time)
    return message


def state_to_proto(state: PurposeState) -> pb.PurposeState:
    status = pb.CONSENT_STATUS_UNSPECIFIED if state.status is None else STATUSES[state.status]
    return pb.PurposeState(purpose=state.purpose, status=status, record=state.record)


def verification_to_proto(result: Verification) -> privacy_pb.VerifyAuditChainResponse:
    return privacy_pb.VerifyAuditChainResponse(
        valid=result.valid,
        entry_count=result.entry_count,
        first_bad_sequence=result.first_bad_sequence,
        problem=result.problem,
    )


def _enum(known: dict, number: int, field: str, reason: str):
    if number == 0:
        return None  # unset: the rules report FIELD_REQUIRED
    if number not in known:
        raise InvalidArgument(reason, f"{field} is not a known value", field=field)
    return known[number]


def _optional_time(record: pb.ConsentRecord, name: str) -> datetime | None:
    if not record.HasField(name):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(record, name)
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS and 0 <= stamp.nanos < 1_000_000_000):
        raise InvalidArgument(
            "INVALID_TIMESTAMP", f"record.{name} is out of range", field=f"record.{name}"
        )
    return stamp.ToDatetime(tzinfo=UTC)
