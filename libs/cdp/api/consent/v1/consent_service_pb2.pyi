import datetime

from cdp.api.identity.v1 import identifier_pb2 as _identifier_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_STATUS_UNSPECIFIED: _ClassVar[ConsentStatus]
    CONSENT_STATUS_GRANTED: _ClassVar[ConsentStatus]
    CONSENT_STATUS_DENIED: _ClassVar[ConsentStatus]
    CONSENT_STATUS_WITHDRAWN: _ClassVar[ConsentStatus]

class ConsentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_METHOD_UNSPECIFIED: _ClassVar[ConsentMethod]
    CONSENT_METHOD_CHECKBOX: _ClassVar[ConsentMethod]
    CONSENT_METHOD_SMS_SYNTAX: _ClassVar[ConsentMethod]
    CONSENT_METHOD_VOICE: _ClassVar[ConsentMethod]
    CONSENT_METHOD_WRITTEN: _ClassVar[ConsentMethod]
    CONSENT_METHOD_API: _ClassVar[ConsentMethod]
CONSENT_STATUS_UNSPECIFIED: ConsentStatus
CONSENT_STATUS_GRANTED: ConsentStatus
CONSENT_STATUS_DENIED: ConsentStatus
CONSENT_STATUS_WITHDRAWN: ConsentStatus
CONSENT_METHOD_UNSPECIFIED: ConsentMethod
CONSENT_METHOD_CHECKBOX: ConsentMethod
CONSENT_METHOD_SMS_SYNTAX: ConsentMethod
CONSENT_METHOD_VOICE: ConsentMethod
CONSENT_METHOD_WRITTEN: ConsentMethod
CONSENT_METHOD_API: ConsentMethod

class ConsentRecord(_message.Message):
    __slots__ = ("name", "subject_id", "purpose", "status", "notice_id", "notice_sha256", "language", "channel", "method", "evidence_ref", "jurisdiction", "valid_from", "expire_time", "record_time", "actor")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_SHA256_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_REF_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    subject_id: str
    purpose: str
    status: ConsentStatus
    notice_id: str
    notice_sha256: str
    language: str
    channel: str
    method: ConsentMethod
    evidence_ref: str
    jurisdiction: str
    valid_from: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    record_time: _timestamp_pb2.Timestamp
    actor: str
    def __init__(self, name: _Optional[str] = ..., subject_id: _Optional[str] = ..., purpose: _Optional[str] = ..., status: _Optional[_Union[ConsentStatus, str]] = ..., notice_id: _Optional[str] = ..., notice_sha256: _Optional[str] = ..., language: _Optional[str] = ..., channel: _Optional[str] = ..., method: _Optional[_Union[ConsentMethod, str]] = ..., evidence_ref: _Optional[str] = ..., jurisdiction: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class RecordConsentRequest(_message.Message):
    __slots__ = ("subject", "record", "notice_text", "request_id")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    subject: _identifier_pb2.Identifier
    record: ConsentRecord
    notice_text: str
    request_id: str
    def __init__(self, subject: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ..., record: _Optional[_Union[ConsentRecord, _Mapping]] = ..., notice_text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordConsentResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: ConsentRecord
    def __init__(self, record: _Optional[_Union[ConsentRecord, _Mapping]] = ...) -> None: ...

class PurposeState(_message.Message):
    __slots__ = ("purpose", "status", "record")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    status: ConsentStatus
    record: str
    def __init__(self, purpose: _Optional[str] = ..., status: _Optional[_Union[ConsentStatus, str]] = ..., record: _Optional[str] = ...) -> None: ...

class GetConsentStateRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _identifier_pb2.Identifier
    def __init__(self, subject: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ...) -> None: ...

class GetConsentStateResponse(_message.Message):
    __slots__ = ("subject_id", "purposes")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    purposes: _containers.RepeatedCompositeFieldContainer[PurposeState]
    def __init__(self, subject_id: _Optional[str] = ..., purposes: _Optional[_Iterable[_Union[PurposeState, _Mapping]]] = ...) -> None: ...

class ListConsentHistoryRequest(_message.Message):
    __slots__ = ("subject", "page_size", "page_token")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    subject: _identifier_pb2.Identifier
    page_size: int
    page_token: str
    def __init__(self, subject: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsentHistoryResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[ConsentRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConsentQuery(_message.Message):
    __slots__ = ("subject", "purpose")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    purpose: str
    def __init__(self, subject: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class CheckConsentRequest(_message.Message):
    __slots__ = ("queries",)
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedCompositeFieldContainer[ConsentQuery]
    def __init__(self, queries: _Optional[_Iterable[_Union[ConsentQuery, _Mapping]]] = ...) -> None: ...

class CheckConsentResponse(_message.Message):
    __slots__ = ("granted",)
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    granted: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, granted: _Optional[_Iterable[bool]] = ...) -> None: ...
