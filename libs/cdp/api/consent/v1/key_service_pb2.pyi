from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_STATE_UNSPECIFIED: _ClassVar[KeyState]
    KEY_STATE_ACTIVE: _ClassVar[KeyState]
    KEY_STATE_MISSING: _ClassVar[KeyState]
    KEY_STATE_DESTROYED: _ClassVar[KeyState]
KEY_STATE_UNSPECIFIED: KeyState
KEY_STATE_ACTIVE: KeyState
KEY_STATE_MISSING: KeyState
KEY_STATE_DESTROYED: KeyState

class DataKey(_message.Message):
    __slots__ = ("subject_id", "state", "key", "version", "previous_keys")
    class PreviousKeysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: bytes
        def __init__(self, key: _Optional[int] = ..., value: _Optional[bytes] = ...) -> None: ...
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_KEYS_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    state: KeyState
    key: bytes
    version: int
    previous_keys: _containers.ScalarMap[int, bytes]
    def __init__(self, subject_id: _Optional[str] = ..., state: _Optional[_Union[KeyState, str]] = ..., key: _Optional[bytes] = ..., version: _Optional[int] = ..., previous_keys: _Optional[_Mapping[int, bytes]] = ...) -> None: ...

class GetDataKeysRequest(_message.Message):
    __slots__ = ("subject_ids", "create_missing")
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_MISSING_FIELD_NUMBER: _ClassVar[int]
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    create_missing: bool
    def __init__(self, subject_ids: _Optional[_Iterable[str]] = ..., create_missing: _Optional[bool] = ...) -> None: ...

class GetDataKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[DataKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[DataKey, _Mapping]]] = ...) -> None: ...

class DestroyDataKeysRequest(_message.Message):
    __slots__ = ("subject_ids", "request_id")
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, subject_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DestroyDataKeysResponse(_message.Message):
    __slots__ = ("destroyed_count",)
    DESTROYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    destroyed_count: int
    def __init__(self, destroyed_count: _Optional[int] = ...) -> None: ...

class RotateKeyEncryptionKeyRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class RotateKeyEncryptionKeyResponse(_message.Message):
    __slots__ = ("kek_version", "rewrapped_count")
    KEK_VERSION_FIELD_NUMBER: _ClassVar[int]
    REWRAPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    kek_version: int
    rewrapped_count: int
    def __init__(self, kek_version: _Optional[int] = ..., rewrapped_count: _Optional[int] = ...) -> None: ...

class KeyUsage(_message.Message):
    __slots__ = ("subject_id", "version", "encryptions")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTIONS_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    version: int
    encryptions: int
    def __init__(self, subject_id: _Optional[str] = ..., version: _Optional[int] = ..., encryptions: _Optional[int] = ...) -> None: ...

class ReportKeyUsageRequest(_message.Message):
    __slots__ = ("usages",)
    USAGES_FIELD_NUMBER: _ClassVar[int]
    usages: _containers.RepeatedCompositeFieldContainer[KeyUsage]
    def __init__(self, usages: _Optional[_Iterable[_Union[KeyUsage, _Mapping]]] = ...) -> None: ...

class ReportKeyUsageResponse(_message.Message):
    __slots__ = ("rotated_subject_ids",)
    ROTATED_SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    rotated_subject_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rotated_subject_ids: _Optional[_Iterable[str]] = ...) -> None: ...
