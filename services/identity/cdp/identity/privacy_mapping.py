"""Proto <-> command mapping for data-subject requests (ResolveSubject and the participant service)."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.errors import field_required, too_many
from cdp.identity.domain import commands as cmd
from cdp.identity.domain.model import ExplainedRecord, profile_name
from cdp.identity.domain.subject import (
    MAX_RESOLVE_IDENTIFIERS,
    MAX_RESOLVE_PROFILES,
    HeldIdentity,
    ResolveSubject,
    RestrictSubject,
    SubjectExport,
    SubjectRequest,
    check_request_name,
)
from cdp.pii.subjects import Subject

SERVICE = "identity"


def resolve_subject(request: pb.ResolveSubjectRequest) -> ResolveSubject:
    if len(request.identifiers) > MAX_RESOLVE_IDENTIFIERS:
        raise too_many("identifiers", MAX_RESOLVE_IDENTIFIERS)
    if len(request.profiles) > MAX_RESOLVE_PROFILES:
        raise too_many("profiles", MAX_RESOLVE_PROFILES)
    if not request.identifiers and not request.profiles:
        raise field_required("identifiers")
    return ResolveSubject(
        tuple(
            cmd.plain_identifier(i.type, i.value, f"identifiers[{n}]")
            for n, i in enumerate(request.identifiers)
        ),
        tuple(cmd.profile_id_of(name, f"profiles[{n}]") for n, name in enumerate(request.profiles)),
    )


def subject(found: Subject) -> privacy_pb.Subject:
    return privacy_pb.Subject(
        subject_ids=sorted(found.subject_ids),
        blind_indexes=sorted(found.blind_indexes),
        profiles=[profile_name(p) for p in sorted(found.profile_ids)],
    )


def subject_request(request) -> SubjectRequest:
    """FenceSubject, EraseSubject and ExportSubject requests alike."""
    return SubjectRequest(check_request_name(request.request), _subject(request))


def restrict_subject(request: privacy_pb.RestrictSubjectRequest) -> RestrictSubject:
    return RestrictSubject(
        check_request_name(request.request), _subject(request), request.restricted
    )


def export_document(found: SubjectExport) -> bytes:
    """One UTF-8 JSON object, values opened; every list is empty when nothing is held."""
    document = {
        "service": SERVICE,
        "profiles": [
            {
                "profile": profile_name(p.id),
                "create_time": _time(p.created),
                "merged_into": profile_name(p.merged_into) if p.merged_into else None,
            }
            for p in found.profiles
        ],
        "identities": [_identity(i) for i in found.identities],
        "merge_history": [_record(r) for r in found.records],
        "restrictions": [{"kind": r.kind, "key": _key(r.kind, r.key)} for r in found.restrictions],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _subject(request) -> Subject:
    given = request.subject
    return Subject.parse(list(given.subject_ids), list(given.blind_indexes), list(given.profiles))


def _identity(found: HeldIdentity) -> dict:
    return {
        "type": found.type,
        "value": found.value,
        "profile": profile_name(found.profile_id),
        "link_time": _time(found.linked_at),
        "message_id": found.message_id,
    }


def _record(record: ExplainedRecord) -> dict:
    return {
        "sequence": record.sequence,
        "kind": record.kind.value,
        "rule": record.rule,
        "message_id": record.message_id,
        "create_time": _time(record.time),
        "before_profiles": [profile_name(p) for p in record.before],
        "after_profile": profile_name(record.after) if record.after else "",
        "identities": [{"type": i.type, "value": i.value} for i in record.identities],
        "reason": record.reason,
    }


def _key(kind: str, key: str | bytes) -> str:
    if isinstance(key, bytes):
        return base64.b64encode(key).decode()
    return profile_name(key) if kind == "profile" else key


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
