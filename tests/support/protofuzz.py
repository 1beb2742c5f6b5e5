"""Hypothesis strategies for any protobuf message, built from its descriptor, and wire mutations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf import (
    any_pb2,
    duration_pb2,
    field_mask_pb2,
    message_factory,
    struct_pb2,
    timestamp_pb2,
)
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

MAX_DEPTH = 6  # deeper than this, nested messages are left empty
MAX_ITEMS = 4  # repeated fields at the top carry 0..4 items, deeper ones 0..2
BIG_COUNTS = (101, 501, 1001)  # just past the documented "at most" limits
LONG_LENGTHS = (129, 255, 257, 1025, 8193, 20_000)
LONG_UNITS = ("x", "ก", "ệ", "😀", "\x00", " ")
NESTING = 25  # Struct levels, 3 message levels each: inside protobuf's parse limit of 100

_I32, _U32 = (-(2**31), 2**31 - 1), (0, 2**32 - 1)
_I64, _U64 = (-(2**63), 2**63 - 1), (0, 2**64 - 1)
INT_RANGES = {
    FieldDescriptor.TYPE_INT32: _I32,
    FieldDescriptor.TYPE_SINT32: _I32,
    FieldDescriptor.TYPE_SFIXED32: _I32,
    FieldDescriptor.TYPE_UINT32: _U32,
    FieldDescriptor.TYPE_FIXED32: _U32,
    FieldDescriptor.TYPE_INT64: _I64,
    FieldDescriptor.TYPE_SINT64: _I64,
    FieldDescriptor.TYPE_SFIXED64: _I64,
    FieldDescriptor.TYPE_UINT64: _U64,
    FieldDescriptor.TYPE_FIXED64: _U64,
}

# Values that get past the first check of a typical handler, so the fuzzer reaches deeper code.
PLAUSIBLE_STRINGS = (
    "email",
    "phone",
    "user_id",
    "anonymous_id",
    "device_id",
    "fuzz@example.test",
    "FUZZ@EXAMPLE.TEST",
    "+84901234567",
    "+66812345678",
    "0901234567",
    "profiles/",
    "profiles/p_0",
    "profiles/../x",
    "dataSubjectRequests/",
    "incidents/",
    "consentRecords/x",
    "sub_",
    "gdpr",
    "pdpa-th",
    "pdpl-vn",
    "vi",
    "th",
    "email_marketing",
    "web",
    "*",
    "%",
    "'; DROP TABLE x; --",
    "eyJ4IjogMX0=",
    "MA==",
    "LTE=",
    "!!!",
    "NaN",
    "สมชาย ใจดี",
    "Nguyễn Văn A",
)
STRUCT_KEYS = ("email", "phone", "name", "address", "ip", "user_id", "$set", "", "a.b", "x" * 129)
JSON_BLOBS = (b"", b"{}", b"[]", b"null", b"{", b'{"email": 1}', b"\xff\xfe", b'"x"', b"1e999")


@dataclass(frozen=True)
class Pools:
    """Values taken from the system under test (real names, ids, blind indexes, messages)."""

    strings: tuple[str, ...] = ()
    blobs: tuple[bytes, ...] = ()
    # Known-good messages (a seed corpus): drawn as they are, or with some fields regenerated.
    messages: tuple[Message, ...] = ()


class MessageStrategies:
    """`message(descriptor)` -> a strategy for messages of that type, every field optional."""

    def __init__(self, pools: Pools = Pools()) -> None:
        self._short_strings = st.one_of(
            st.text(max_size=20), st.sampled_from((*PLAUSIBLE_STRINGS, *pools.strings))
        )
        self._strings = _strings(pools.strings)
        self._blobs = _blobs(pools.blobs)
        self._json = _json_values(self._strings)
        self._real: dict[str, list[Message]] = {}
        for message in pools.messages:
            self._real.setdefault(message.DESCRIPTOR.full_name, []).append(message)
        self._cache: dict[tuple[str, int], st.SearchStrategy[Message]] = {}
        self._well_known: dict[str, Callable[[], st.SearchStrategy[Message]]] = {
            "google.protobuf.Timestamp": lambda: _seconds_and_nanos(timestamp_pb2.Timestamp),
            "google.protobuf.Duration": lambda: _seconds_and_nanos(duration_pb2.Duration),
            "google.protobuf.Struct": lambda: self._json_objects().map(_struct),
            "google.protobuf.Value": lambda: self._json.map(_value),
            "google.protobuf.ListValue": lambda: st.lists(self._json, max_size=3).map(_list_value),
            "google.protobuf.FieldMask": lambda: st.lists(self._strings, max_size=3).map(
                lambda paths: field_mask_pb2.FieldMask(paths=paths)
            ),
            "google.protobuf.Any": lambda: st.builds(
                any_pb2.Any, type_url=self._strings, value=self._blobs
            ),
        }

    def request(self, descriptor: Descriptor) -> st.SearchStrategy[Message]:
        """The top-level strategy, with a short repr (the nested one runs to megabytes)."""
        return _drawn(self, descriptor)

    def message(self, descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
        key = (descriptor.full_name, depth)
        if key not in self._cache:
            self._cache[key] = self._build(descriptor, depth)
        return self._cache[key]

    def _build(self, descriptor: Descriptor, depth: int) -> st.SearchStrategy[Message]:
        if descriptor.full_name in self._well_known:
            return self._well_known[descriptor.full_name]()
        cls = message_factory.GetMessageClass(descriptor)
        if depth > MAX_DEPTH:
            return st.builds(cls)
        values = self._values(descriptor, depth)
        generic = st.builds(_assemble, st.builds(cls), values)
        seeds = self._real.get(descriptor.full_name)
        if not seeds:
            return generic
        seed = st.sampled_from(seeds)
        return st.one_of(generic, seed, st.builds(_assemble, seed, values))

    def _values(self, descriptor: Descriptor, depth: int) -> st.SearchStrategy[tuple]:
        """Some fields with generated values, and at most one member of each oneof."""
        plain = {
            f.name: self._field(f, depth) for f in descriptor.fields if f.containing_oneof is None
        }
        oneofs = [
            st.one_of(
                st.none(),
                *(st.tuples(st.just(f.name), self._field(f, depth)) for f in oneof.fields),
            )
            for oneof in descriptor.oneofs
        ]
        return st.tuples(st.fixed_dictionaries({}, optional=plain), st.tuples(*oneofs))

    def _field(self, field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
        if _is_map(field):
            entry = field.message_type.fields_by_name
            return st.dictionaries(
                self._single(entry["key"], depth), self._single(entry["value"], depth), max_size=3
            )
        single = self._single(field, depth)
        if not field.is_repeated:
            return single
        few = st.lists(single, max_size=MAX_ITEMS if depth == 0 else 2)
        # Many small items: past the count limits without going past the 4 MiB message limit.
        small = self._single(field, MAX_DEPTH, small=True)
        many = st.builds(lambda item, count: [item] * count, small, st.sampled_from(BIG_COUNTS))
        return st.one_of(few, few, few, many)

    def _single(
        self, field: FieldDescriptor, depth: int, small: bool = False
    ) -> st.SearchStrategy[Any]:
        if field.message_type is not None:
            return self.message(field.message_type, depth + 1)
        if field.enum_type is not None:
            return _enums(field.enum_type)
        kind = field.type
        if kind == FieldDescriptor.TYPE_STRING:
            return self._short_strings if small else self._strings
        if kind == FieldDescriptor.TYPE_BYTES:
            return st.binary(max_size=32) if small else self._blobs
        if kind == FieldDescriptor.TYPE_BOOL:
            return st.booleans()
        if kind in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
            return st.floats(width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
        return _integers(*INT_RANGES[kind])

    def _json_objects(self) -> st.SearchStrategy[dict]:
        keys = st.one_of(st.sampled_from(STRUCT_KEYS), st.text(max_size=12))
        return st.one_of(
            st.dictionaries(keys, self._json, max_size=4),
            st.builds(_nested, self._json),
        )


@st.composite
def _drawn(draw: st.DrawFn, strategies: MessageStrategies, descriptor: Descriptor) -> Message:
    return draw(strategies.message(descriptor))


def _assemble(base: Message, values: tuple[dict, tuple]) -> Message:
    """A copy of base with the generated fields in place of its own."""
    message = type(base)()
    message.CopyFrom(base)
    plain, chosen = values
    for name, value in [*plain.items(), *(pair for pair in chosen if pair is not None)]:
        message.ClearField(name)
        _set(message, message.DESCRIPTOR.fields_by_name[name], value)
    return message


def _set(message: Message, field: FieldDescriptor, value: Any) -> None:
    target = getattr(message, field.name)
    if _is_map(field):
        is_message = field.message_type.fields_by_name["value"].message_type is not None
        for key, item in value.items():
            if is_message:
                target[key].CopyFrom(item)
            else:
                target[key] = item
    elif field.is_repeated:
        target.extend(value)
    elif field.message_type is not None:
        target.CopyFrom(value)
    else:
        setattr(message, field.name, value)


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = (low, low + 1, -1, 0, 1, 2, 50, 100, 101, 1000, 1001, 2**31 - 1, 2**31, high - 1, high)
    return st.one_of(
        st.sampled_from(sorted({v for v in edges if low <= v <= high})),
        st.integers(low, high),
    )


def _enums(enum: EnumDescriptor) -> st.SearchStrategy[int]:
    known = [value.number for value in enum.values]
    unknown = [max(known) + 1, -1, 2**31 - 1, -(2**31)]
    return st.one_of(st.sampled_from(known), st.sampled_from(unknown), st.integers(*_I32))


def _strings(pool: tuple[str, ...]) -> st.SearchStrategy[str]:
    plausible = st.sampled_from((*PLAUSIBLE_STRINGS, *pool, str(uuid.uuid4())))
    return st.one_of(
        st.text(max_size=40),
        plausible,
        st.sampled_from(pool or PLAUSIBLE_STRINGS),
        st.just(""),
        st.builds(lambda head, tail: head + tail, plausible, st.text(max_size=12)),
        st.builds(
            lambda unit, n: unit * n, st.sampled_from(LONG_UNITS), st.sampled_from(LONG_LENGTHS)
        ),
    )


def _blobs(pool: tuple[bytes, ...]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=64),
        st.sampled_from((*JSON_BLOBS, *pool)),
        st.binary(min_size=32, max_size=32),
        st.sampled_from(LONG_LENGTHS).map(lambda n: b"\x00" * n),
    )


def _json_values(strings: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(), st.booleans(), st.floats(), st.integers(-(2**60), 2**60).map(float), strings
    )
    keys = st.one_of(st.sampled_from(STRUCT_KEYS), st.text(max_size=12))
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=10,
    )


def _nested(leaf: Any) -> dict:
    for _ in range(NESTING):
        leaf = {"n": leaf}
    return leaf


def _struct(document: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(document)
    return message


def _value(item: Any) -> struct_pb2.Value:
    return _struct({"v": item}).fields["v"]


def _list_value(items: list) -> struct_pb2.ListValue:
    return _struct({"v": items}).fields["v"].list_value


def _seconds_and_nanos(cls: type[Message]) -> st.SearchStrategy[Message]:
    seconds = st.one_of(
        st.sampled_from(
            (0, -62135596800, -62135596801, 253402300799, 253402300800, 1_700_000_000, -1)
        ),
        st.integers(*_I64),
    )
    nanos = st.one_of(st.sampled_from((0, 999_999_999, 1_000_000_000, -1)), st.integers(*_I32))
    return st.builds(cls, seconds=seconds, nanos=nanos)


# Wire-level mutations. Each is (operation, a, b, blob), applied with positions taken modulo the
# payload's length, so Hypothesis can shrink them like any other data.
OPERATIONS = ("flip", "truncate", "duplicate", "delete", "insert", "repeat", "field")
mutations = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.integers(0, 2**16),
        st.integers(0, 2**16),
        st.binary(max_size=16),
    ),
    min_size=1,
    max_size=4,
)


def mutate(payload: bytes, steps: list[tuple[str, int, int, bytes]]) -> bytes:
    data = bytearray(payload)
    for operation, a, b, blob in steps:
        data = _MUTATE[operation](data, a, b, blob)
    return bytes(data)


def _flip(data: bytearray, a: int, b: int, blob: bytes) -> bytearray:
    if not data:
        return bytearray(blob)
    data[a % len(data)] ^= 1 << (b % 8)
    return data


def _truncate(data: bytearray, a: int, _b: int, _blob: bytes) -> bytearray:
    return data[: a % len(data)] if data else data


def _duplicate(data: bytearray, a: int, b: int, _blob: bytes) -> bytearray:
    start, end = _span(data, a, b)
    return data[:end] + data[start:end] + data[end:]


def _delete(data: bytearray, a: int, b: int, _blob: bytes) -> bytearray:
    start, end = _span(data, a, b)
    return data[:start] + data[end:]


def _insert(data: bytearray, a: int, _b: int, blob: bytes) -> bytearray:
    at = a % (len(data) + 1)
    return data[:at] + blob + data[at:]


def _repeat(data: bytearray, _a: int, _b: int, _blob: bytes) -> bytearray:
    return data + data  # two serialisations back to back parse as a merge


def _field(data: bytearray, a: int, b: int, blob: bytes) -> bytearray:
    """Appends one field with a random number and wire type, possibly with a lying length."""
    number, wire = a % 40 + 1, b % 6
    body = {
        0: _varint(a * 7919),
        1: blob[:8].ljust(8, b"\x00"),
        2: _varint(len(blob) if b % 4 else 2**31) + blob,
        3: b"",
        4: b"",
        5: blob[:4].ljust(4, b"\x00"),
    }[wire]
    return data + _varint(number << 3 | wire) + body


def _span(data: bytearray, a: int, b: int) -> tuple[int, int]:
    size = len(data) + 1
    return tuple(sorted((a % size, b % size)))  # type: ignore[return-value]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


_MUTATE = {
    "flip": _flip,
    "truncate": _truncate,
    "duplicate": _duplicate,
    "delete": _delete,
    "insert": _insert,
    "repeat": _repeat,
    "field": _field,
}
