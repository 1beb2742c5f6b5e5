"""RecordConsent input rules: each error names its field; withdrawing asks exactly what granting asks."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta

import pytest

from cdp.api.consent.v1 import consent_service_pb2
from cdp.consent.domain.consent import ConsentQuery, ConsentStatus, notice_digest
from cdp.consent.domain.consent_rules import (
    check_page_size,
    check_queries,
    check_record_consent,
    decode_page_token,
    encode_page_token,
)
from cdp.errors import InvalidArgument
from cdp.grpcx.roles import METHOD_ROLES
from tests.unit.consent.builders import NOTICE, T0, command

SUB = "sub_" + "a" * 24
# Every field a caller must fill in, the path an error names, and an empty value for it.
REQUIRED = {
    "purpose": ("record.purpose", ""),
    "status": ("record.status", None),
    "notice_id": ("record.notice_id", ""),
    "language": ("record.language", ""),
    "channel": ("record.channel", ""),
    "method": ("record.method", None),
    "evidence_ref": ("record.evidence_ref", ""),
    "jurisdiction": ("record.jurisdiction", ""),
}


def _missing_field(status: ConsentStatus, name: str) -> str | None:
    try:
        check_record_consent(replace(command(status), **{name: REQUIRED[name][1]}), T0)
    except InvalidArgument as err:
        return err.field
    return None


def _required_fields(status: ConsentStatus) -> set[str]:
    """Which fields, left empty, make a request with this status invalid."""
    optional_defaults = {"notice_sha256": "", "valid_from": None, "expire_time": None}
    required = set()
    for item in fields(command(status)):
        if item.name in ("subject", "actor", "notice_text", "request_id"):
            continue
        empty = REQUIRED.get(item.name, (None, optional_defaults.get(item.name)))[1]
        try:
            check_record_consent(replace(command(status), **{item.name: empty}), T0)
        except InvalidArgument:
            required.add(item.name)
    return required


@pytest.mark.parametrize("status", list(ConsentStatus))
@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_required_field_is_named_when_missing(status: ConsentStatus, name: str) -> None:
    assert _missing_field(status, name) == REQUIRED[name][0]


def test_withdrawal_requires_exactly_the_fields_a_grant_requires() -> None:
    assert _required_fields(ConsentStatus.WITHDRAWN) == _required_fields(ConsentStatus.GRANTED)
    assert _required_fields(ConsentStatus.DENIED) == _required_fields(ConsentStatus.GRANTED)
    assert _required_fields(ConsentStatus.GRANTED) == set(REQUIRED)


def test_grant_and_withdrawal_are_one_rpc_with_one_role_set() -> None:
    service = consent_service_pb2.DESCRIPTOR.services_by_name["ConsentService"]
    names = {m.name for m in service.methods}
    assert not {"GrantConsent", "WithdrawConsent"} & names
    assert METHOD_ROLES["/cdp.api.consent.v1.ConsentService/RecordConsent"] == frozenset(
        {"consent_manager", "compliance_officer"}
    )


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"purpose": "Email Marketing"}, "record.purpose", "INVALID_PURPOSE"),
        ({"purpose": "a" * 65}, "record.purpose", "VALUE_TOO_LONG"),
        ({"jurisdiction": "ccpa"}, "record.jurisdiction", "UNKNOWN_JURISDICTION"),
        ({"language": "english!"}, "record.language", "INVALID_LANGUAGE"),
        ({"evidence_ref": "alice@example.test"}, "record.evidence_ref", "INVALID_EVIDENCE_REF"),
        ({"evidence_ref": "+84901234567"}, "record.evidence_ref", "INVALID_EVIDENCE_REF"),
        ({"notice_sha256": "0" * 64}, "record.notice_sha256", "NOTICE_SHA256_MISMATCH"),
        ({"notice_sha256": "xyz"}, "record.notice_sha256", "INVALID_NOTICE_SHA256"),
        ({"notice_text": "", "notice_sha256": ""}, "record.notice_sha256", "FIELD_REQUIRED"),
        ({"notice_text": "x" * 65537}, "notice_text", "VALUE_TOO_LONG"),
        ({"valid_from": T0, "expire_time": T0}, "record.expire_time", "EXPIRE_BEFORE_VALID_FROM"),
        ({"expire_time": T0 - timedelta(days=1)}, "record.expire_time", "EXPIRE_BEFORE_VALID_FROM"),
        ({"request_id": "has space"}, "request_id", "INVALID_REQUEST_ID"),
    ],
)
def test_invalid_values_name_their_field(changes: dict, field: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_record_consent(replace(command(), **changes), T0)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert "alice@example.test" not in caught.value.message


def test_valid_requests_pass_with_text_or_with_a_known_hash_alone() -> None:
    check_record_consent(command(language="th-TH"), T0)
    check_record_consent(command(notice_text="", notice_sha256=notice_digest(NOTICE)), T0)
    check_record_consent(command(notice_sha256=notice_digest(NOTICE).upper()), T0)
    check_record_consent(command(valid_from=T0, expire_time=T0 + timedelta(days=365)), T0)


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        (ConsentQuery("", "ads"), "queries[1].subject", "FIELD_REQUIRED"),
        (ConsentQuery("alice@example.test", "ads"), "queries[1].subject", "INVALID_SUBJECT"),
        (ConsentQuery(SUB, "Ads"), "queries[1].purpose", "INVALID_PURPOSE"),
        (ConsentQuery("profiles/p1", ""), "queries[1].purpose", "FIELD_REQUIRED"),
    ],
)
def test_bad_queries_name_their_index(query: ConsentQuery, field: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_queries([ConsentQuery(SUB, "ads"), query])
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_at_most_a_thousand_queries() -> None:
    check_queries([ConsentQuery(SUB, "ads")] * 1000)
    with pytest.raises(InvalidArgument) as caught:
        check_queries([ConsentQuery(SUB, "ads")] * 1001)
    assert caught.value.reason == "TOO_MANY_ITEMS" and caught.value.field == "queries"


def test_page_tokens_continue_only_their_own_listing() -> None:
    token = encode_page_token(41, SUB)
    assert decode_page_token(token, SUB) == 41
    for bad in (token[:-2], "not-a-token", encode_page_token(41, "sub_" + "b" * 24)):
        with pytest.raises(InvalidArgument) as caught:
            decode_page_token(bad, SUB)
        assert caught.value.field == "page_token"
    assert (check_page_size(0), check_page_size(5), check_page_size(10**6)) == (100, 5, 1000)
    with pytest.raises(InvalidArgument):
        check_page_size(-1)


def test_a_command_never_shows_the_identifier_value_or_notice_text() -> None:
    shown = repr(command(email="alice@example.test"))
    assert "alice" not in shown and NOTICE not in shown
