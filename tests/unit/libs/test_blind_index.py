"""Blind indexes: every spelling of one identifier indexes alike, distinct ones never collide (T23)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cdp.pii import BlindIndexer, InvalidIdentifier, normalize
from cdp.pii.normalize import regions_for_locale

INDEXER = BlindIndexer(b"i" * 32)
local_parts = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzßàáạảãâầấậẩẫăằắặẳẵèéêìíòóôơùúưỳýđ0123456789.+_",
    min_size=1,
    max_size=20,
).filter(lambda s: not s.startswith(".") and not s.endswith("."))
domains = st.sampled_from(["example.com", "gmail.com", "ví-dụ.vn", "ตัวอย่าง.th", "mail.co.th"])


def spellings(email: str) -> list[str]:
    """What people and systems do to an address: Unicode form, surrounding whitespace, and case where
    upper-casing round-trips (it does not for "ß" -> "SS", which is another mailbox)."""
    variants = [email, f"  {email}\t", unicodedata.normalize("NFD", email)]
    if email.upper().lower() == email.lower():
        variants += [email.upper(), unicodedata.normalize("NFD", email.upper())]
    return variants


@settings(max_examples=2000, deadline=None)
@given(local=local_parts, domain=domains)
def test_every_spelling_of_an_email_has_one_blind_index(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    indexes = {INDEXER.index_raw("email", spelling) for spelling in spellings(email)}
    assert len(indexes) == 1


@settings(max_examples=2000, deadline=None)
@given(a=local_parts, b=local_parts, domain=domains)
def test_distinct_emails_never_share_a_blind_index(a: str, b: str, domain: str) -> None:
    assume(normalize("email", f"{a}@{domain}") != normalize("email", f"{b}@{domain}"))
    assert INDEXER.index_raw("email", f"{a}@{domain}") != INDEXER.index_raw(
        "email", f"{b}@{domain}"
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "0912 345 678",
        "0912345678",
        "+84 912 345 678",
        "+84912345678",
        "(+84) 912-345-678",
        " 0912.345.678 ",
    ],
)
def test_vietnamese_phone_spellings_are_one_number(spelling: str) -> None:
    assert normalize("phone", spelling) == "+84912345678"


@pytest.mark.parametrize(
    "spelling", ["081 234 5678", "0812345678", "+66 81 234 5678", "+66812345678"]
)
def test_thai_phone_spellings_are_one_number_for_a_thai_sender(spelling: str) -> None:
    assert normalize("phone", spelling, regions_for_locale("th-TH")) == "+66812345678"


def test_a_national_number_valid_in_both_plans_defaults_to_vietnam() -> None:
    assert normalize("phone", "081 234 5678") == "+84812345678"


def test_a_bangkok_landline_needs_no_hint() -> None:
    assert normalize("phone", "02 123 4567") == "+6621234567"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("th-TH", ("TH", "VN")),
        ("vi_VN", ("VN", "TH")),
        ("en-US", ("US", "VN", "TH")),
        ("en", ("VN", "TH")),
        ("", ("VN", "TH")),
    ],
)
def test_the_senders_locale_country_is_tried_first(locale: str, expected: tuple[str, ...]) -> None:
    assert regions_for_locale(locale) == expected


@settings(max_examples=500, deadline=None)
@given(subscriber=st.integers(min_value=10_000_000, max_value=99_999_999))
def test_vn_mobile_national_and_international_forms_agree(subscriber: int) -> None:
    national = f"09{subscriber}"
    try:
        expected = normalize("phone", f"+849{subscriber}")
    except InvalidIdentifier:
        return
    assert INDEXER.index_raw("phone", national) == INDEXER.index_raw("phone", expected)


def test_sharp_s_and_ss_are_different_mailboxes() -> None:
    assert INDEXER.index_raw("email", "straße@example.com") != INDEXER.index_raw(
        "email", "strasse@example.com"
    )


def test_turkish_dotted_capital_i_is_stable() -> None:
    assert INDEXER.index_raw("email", "İsmail@example.com") == INDEXER.index_raw(
        "email", "İSMAIL@EXAMPLE.COM"
    )


def test_user_and_anonymous_ids_share_a_namespace_but_emails_do_not() -> None:
    assert INDEXER.index("user_id", "abc") == INDEXER.index("anonymous_id", "abc")
    assert INDEXER.index("user_id", "abc@x.io") != INDEXER.index("email", "abc@x.io")


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("email", "a" * 250 + "@x.io", "VALUE_TOO_LONG"),
        ("email", "not-an-address", "INVALID_EMAIL"),
        ("phone", "1234567890123456789", "VALUE_TOO_LONG"),
        ("phone", "12", "INVALID_PHONE"),
        ("user_id", "   ", "FIELD_REQUIRED"),
        ("Bad Type", "x", "UNKNOWN_IDENTIFIER_TYPE"),
    ],
)
def test_invalid_identifiers_are_refused_without_echoing_the_value(
    kind: str, value: str, reason: str
) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalize(kind, value)
    assert caught.value.reason == reason
    assert value.strip() not in str(caught.value) or not value.strip()
