"""Input rules of the consent ledger: every error names the field, never the value."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime

from cdp import paging
from cdp.consent.domain.consent import (
    JURISDICTIONS,
    ConsentQuery,
    RecordConsent,
    notice_digest,
)
from cdp.errors import InvalidArgument, field_required, too_many, value_too_long

PURPOSE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_PURPOSE = 64
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_LANGUAGE = 35
CHANNEL = re.compile(r"^[a-z][a-z0-9_.-]*$")
MAX_CHANNEL = 64
# Opaque references only: no "@", "+" or spaces, so an address or phone number cannot pass.
OPAQUE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/=-]*$")
MAX_NOTICE_ID = 128
MAX_EVIDENCE_REF = 256
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_NOTICE_TEXT = 65536
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
MAX_REQUEST_ID = 128
SUBJECT_ID = re.compile(r"^sub_[a-z2-7]{24}$")
PROFILE_NAME = re.compile(r"^profiles/[A-Za-z0-9_-]{1,64}$")
MAX_QUERIES = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def check_record_consent(cmd: RecordConsent, now: datetime) -> None:
    """Validates everything but the identifier (normalising it is the indexer's job)."""
    check_purpose(cmd.purpose, "record.purpose")
    if cmd.status is None:
        raise field_required("record.status")
    _check_notice(cmd)
    _check_pattern(cmd.language, "record.language", LANGUAGE, MAX_LANGUAGE, "INVALID_LANGUAGE")
    _check_pattern(cmd.channel, "record.channel", CHANNEL, MAX_CHANNEL, "INVALID_CHANNEL")
    if cmd.method is None:
        raise field_required("record.method")
    _check_pattern(
        cmd.evidence_ref, "record.evidence_ref", OPAQUE_ID, MAX_EVIDENCE_REF, "INVALID_EVIDENCE_REF"
    )
    if not cmd.jurisdiction:
        raise field_required("record.jurisdiction")
    if cmd.jurisdiction not in JURISDICTIONS:
        raise InvalidArgument(
            "UNKNOWN_JURISDICTION",
            "record.jurisdiction must be one of " + ", ".join(sorted(JURISDICTIONS)),
            field="record.jurisdiction",
        )
    _check_validity(cmd, now)
    if cmd.request_id:
        _check_pattern(
            cmd.request_id, "request_id", REQUEST_ID, MAX_REQUEST_ID, "INVALID_REQUEST_ID"
        )


def check_purpose(purpose: str, field: str) -> None:
    _check_pattern(purpose, field, PURPOSE, MAX_PURPOSE, "INVALID_PURPOSE")


def notice_sha256_of(cmd: RecordConsent) -> str:
    """The notice's hash: computed from the text when given (and then it must match the claim)."""
    if cmd.notice_text:
        return notice_digest(cmd.notice_text)
    return cmd.notice_sha256.lower()


def request_fingerprint(cmd: RecordConsent, subject_id: str) -> str:
    """A digest of what was asked (subject by pseudonym), to tell a retry from a reused request_id."""
    parts = [
        subject_id,
        cmd.purpose,
        str(cmd.status),
        str(cmd.method),
        cmd.notice_id,
        notice_sha256_of(cmd),
        cmd.language,
        cmd.channel,
        cmd.evidence_ref,
        cmd.jurisdiction,
        cmd.valid_from.isoformat() if cmd.valid_from else "",
        cmd.expire_time.isoformat() if cmd.expire_time else "",
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def check_queries(queries: Sequence[ConsentQuery]) -> None:
    if len(queries) > MAX_QUERIES:
        raise too_many("queries", MAX_QUERIES)
    for index, query in enumerate(queries):
        field = f"queries[{index}]"
        if not query.subject:
            raise field_required(f"{field}.subject")
        if not (SUBJECT_ID.match(query.subject) or PROFILE_NAME.match(query.subject)):
            raise InvalidArgument(
                "INVALID_SUBJECT",
                f"{field}.subject is a subject id (sub_...) or a profile name (profiles/...)",
                field=f"{field}.subject",
            )
        check_purpose(query.purpose, f"{field}.purpose")


def _check_notice(cmd: RecordConsent) -> None:
    _check_pattern(cmd.notice_id, "record.notice_id", OPAQUE_ID, MAX_NOTICE_ID, "INVALID_NOTICE_ID")
    if len(cmd.notice_text) > MAX_NOTICE_TEXT:
        raise value_too_long("notice_text", MAX_NOTICE_TEXT)
    claimed = cmd.notice_sha256.lower()
    if not cmd.notice_text and not claimed:
        raise field_required("record.notice_sha256")
    if claimed and not SHA256_HEX.match(claimed):
        raise InvalidArgument(
            "INVALID_NOTICE_SHA256",
            "record.notice_sha256 is 64 hex digits",
            field="record.notice_sha256",
        )
    if cmd.notice_text and claimed and claimed != notice_digest(cmd.notice_text):
        raise InvalidArgument(
            "NOTICE_SHA256_MISMATCH",
            "record.notice_sha256 is not the SHA-256 of notice_text",
            field="record.notice_sha256",
        )


def _check_validity(cmd: RecordConsent, now: datetime) -> None:
    # Without valid_from a record holds from the moment it is recorded.
    if cmd.expire_time is not None and cmd.expire_time <= (cmd.valid_from or now):
        raise InvalidArgument(
            "EXPIRE_BEFORE_VALID_FROM",
            "record.expire_time must be after record.valid_from",
            field="record.expire_time",
        )


def _check_pattern(value: str, field: str, pattern: re.Pattern, limit: int, reason: str) -> None:
    if not value:
        raise field_required(field)
    if len(value) > limit:
        raise value_too_long(field, limit)
    if not pattern.match(value):
        raise InvalidArgument(reason, f"{field} is not in the expected form", field=field)


def encode_page_token(after_sequence: int, subject_id: str) -> str:
    return paging.encode(after_sequence, subject_id)


def decode_page_token(token: str, subject_id: str) -> int:
    """The sequence to continue after; a token only continues the listing it came from."""
    after = paging.decode(token, subject_id)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise paging.InvalidPageToken()
    return after


def check_page_size(page_size: int) -> int:
    return paging.page_size(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
