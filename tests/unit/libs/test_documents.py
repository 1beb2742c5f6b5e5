"""Personal values come out of documents wherever they are and go back exactly (JSON round trip)."""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cdp.pii.documents import Classifier, merge

CLASSIFIER = Classifier()
keys = st.sampled_from(
    [
        "email",
        "Email",
        "first_name",
        "firstName",
        "plan",
        "address",
        "ip",
        "items",
        "sku",
        "price",
        "phone",
        "city",
        "country",
        "nested",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(document=st.dictionaries(keys, documents, max_size=6))
def test_split_then_merge_gives_the_document_back(document: dict) -> None:
    public, personal = CLASSIFIER.split(copy.deepcopy(document))
    restored = merge(json.loads(json.dumps(public)), json.loads(json.dumps(personal)))
    assert restored == document


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(keys, documents, max_size=6))
def test_no_personal_key_survives_in_the_public_part(document: dict) -> None:
    public, _ = CLASSIFIER.split(document)
    assert not _personal_keys(public)


def test_a_whole_address_object_moves_as_one_value() -> None:
    public, personal = CLASSIFIER.split(
        {"traits": {"address": {"city": "Hà Nội", "street": "1 Tràng Tiền"}, "plan": "pro"}}
    )
    assert public == {"traits": {"plan": "pro"}}
    assert personal == [[["traits", "address"], {"city": "Hà Nội", "street": "1 Tràng Tiền"}]]


def test_the_classification_is_configurable() -> None:
    public, personal = Classifier({"loyalty_number"}).split(
        {"loyaltyNumber": "L-1", "email": "kept"}
    )
    assert public == {"email": "kept"}
    assert personal == [[["loyaltyNumber"], "L-1"]]


def _personal_keys(value) -> list[str]:
    if isinstance(value, dict):
        own = [k for k in value if CLASSIFIER.is_personal(k)]
        return own + [k for v in value.values() for k in _personal_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _personal_keys(v)]
    return []
