from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Subject(_message.Message):
    __slots__ = ("subject_ids", "blind_indexes", "profiles")
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    BLIND_INDEXES_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    blind_indexes: _containers.RepeatedScalarFieldContainer[bytes]
    profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject_ids: _Optional[_Iterable[str]] = ..., blind_indexes: _Optional[_Iterable[bytes]] = ..., profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class FenceSubjectRequest(_message.Message):
    __slots__ = ("request", "subject")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    request: str
    subject: Subject
    def __init__(self, request: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class FenceSubjectResponse(_message.Message):
    __slots__ = ("suppressed_count",)
    SUPPRESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    suppressed_count: int
    def __init__(self, suppressed_count: _Optional[int] = ...) -> None: ...

class EraseSubjectRequest(_message.Message):
    __slots__ = ("request", "subject")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    request: str
    subject: Subject
    def __init__(self, request: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class EraseSubjectResponse(_message.Message):
    __slots__ = ("counts", "recipients_notified")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_NOTIFIED_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.ScalarMap[str, int]
    recipients_notified: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, counts: _Optional[_Mapping[str, int]] = ..., recipients_notified: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportSubjectRequest(_message.Message):
    __slots__ = ("request", "subject")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    request: str
    subject: Subject
    def __init__(self, request: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class ExportSubjectResponse(_message.Message):
    __slots__ = ("document_json",)
    DOCUMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    document_json: bytes
    def __init__(self, document_json: _Optional[bytes] = ...) -> None: ...

class RestrictSubjectRequest(_message.Message):
    __slots__ = ("request", "subject", "restricted")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RESTRICTED_FIELD_NUMBER: _ClassVar[int]
    request: str
    subject: Subject
    restricted: bool
    def __init__(self, request: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ..., restricted: _Optional[bool] = ...) -> None: ...

class RestrictSubjectResponse(_message.Message):
    __slots__ = ("affected_count",)
    AFFECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    affected_count: int
    def __init__(self, affected_count: _Optional[int] = ...) -> None: ...
