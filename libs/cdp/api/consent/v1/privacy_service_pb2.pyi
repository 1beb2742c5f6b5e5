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

class RequestType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_TYPE_UNSPECIFIED: _ClassVar[RequestType]
    REQUEST_TYPE_ACCESS: _ClassVar[RequestType]
    REQUEST_TYPE_PORTABILITY: _ClassVar[RequestType]
    REQUEST_TYPE_ERASURE: _ClassVar[RequestType]
    REQUEST_TYPE_RESTRICTION: _ClassVar[RequestType]
    REQUEST_TYPE_RESTRICTION_LIFT: _ClassVar[RequestType]
    REQUEST_TYPE_OBJECTION: _ClassVar[RequestType]

class RequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_STATE_UNSPECIFIED: _ClassVar[RequestState]
    REQUEST_STATE_RECEIVED: _ClassVar[RequestState]
    REQUEST_STATE_IDENTITY_VERIFIED: _ClassVar[RequestState]
    REQUEST_STATE_IN_PROGRESS: _ClassVar[RequestState]
    REQUEST_STATE_COMPLETED: _ClassVar[RequestState]
    REQUEST_STATE_PARTIAL: _ClassVar[RequestState]
    REQUEST_STATE_FAILED: _ClassVar[RequestState]
    REQUEST_STATE_DENIED: _ClassVar[RequestState]
    REQUEST_STATE_CANCELLED: _ClassVar[RequestState]
REQUEST_TYPE_UNSPECIFIED: RequestType
REQUEST_TYPE_ACCESS: RequestType
REQUEST_TYPE_PORTABILITY: RequestType
REQUEST_TYPE_ERASURE: RequestType
REQUEST_TYPE_RESTRICTION: RequestType
REQUEST_TYPE_RESTRICTION_LIFT: RequestType
REQUEST_TYPE_OBJECTION: RequestType
REQUEST_STATE_UNSPECIFIED: RequestState
REQUEST_STATE_RECEIVED: RequestState
REQUEST_STATE_IDENTITY_VERIFIED: RequestState
REQUEST_STATE_IN_PROGRESS: RequestState
REQUEST_STATE_COMPLETED: RequestState
REQUEST_STATE_PARTIAL: RequestState
REQUEST_STATE_FAILED: RequestState
REQUEST_STATE_DENIED: RequestState
REQUEST_STATE_CANCELLED: RequestState

class RequestTask(_message.Message):
    __slots__ = ("service", "state", "counts", "last_error", "attempt_count", "complete_time")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    service: str
    state: RequestState
    counts: _containers.ScalarMap[str, int]
    last_error: str
    attempt_count: int
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, service: _Optional[str] = ..., state: _Optional[_Union[RequestState, str]] = ..., counts: _Optional[_Mapping[str, int]] = ..., last_error: _Optional[str] = ..., attempt_count: _Optional[int] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DataSubjectRequest(_message.Message):
    __slots__ = ("name", "type", "jurisdiction", "state", "subject_ids", "tasks", "receive_time", "due_time", "complete_time", "export_json")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: RequestType
    jurisdiction: str
    state: RequestState
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    tasks: _containers.RepeatedCompositeFieldContainer[RequestTask]
    receive_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    export_json: bytes
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[RequestType, str]] = ..., jurisdiction: _Optional[str] = ..., state: _Optional[_Union[RequestState, str]] = ..., subject_ids: _Optional[_Iterable[str]] = ..., tasks: _Optional[_Iterable[_Union[RequestTask, _Mapping]]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., export_json: _Optional[bytes] = ...) -> None: ...

class CreateDataSubjectRequestRequest(_message.Message):
    __slots__ = ("request_id", "type", "jurisdiction", "identities")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    type: RequestType
    jurisdiction: str
    identities: _containers.RepeatedCompositeFieldContainer[_identifier_pb2.Identifier]
    def __init__(self, request_id: _Optional[str] = ..., type: _Optional[_Union[RequestType, str]] = ..., jurisdiction: _Optional[str] = ..., identities: _Optional[_Iterable[_Union[_identifier_pb2.Identifier, _Mapping]]] = ...) -> None: ...

class CreateDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class GetDataSubjectRequestRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class ListDataSubjectRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDataSubjectRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[DataSubjectRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[DataSubjectRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelDataSubjectRequestRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CancelDataSubjectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: DataSubjectRequest
    def __init__(self, request: _Optional[_Union[DataSubjectRequest, _Mapping]] = ...) -> None: ...

class GetReceiptRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetReceiptResponse(_message.Message):
    __slots__ = ("payload", "signature", "public_key")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    signature: bytes
    public_key: bytes
    def __init__(self, payload: _Optional[bytes] = ..., signature: _Optional[bytes] = ..., public_key: _Optional[bytes] = ...) -> None: ...

class VerifyAuditChainRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditChainResponse(_message.Message):
    __slots__ = ("valid", "entry_count", "first_bad_sequence", "problem")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    entry_count: int
    first_bad_sequence: int
    problem: str
    def __init__(self, valid: _Optional[bool] = ..., entry_count: _Optional[int] = ..., first_bad_sequence: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class CheckSuppressionRequest(_message.Message):
    __slots__ = ("blind_indexes",)
    BLIND_INDEXES_FIELD_NUMBER: _ClassVar[int]
    blind_indexes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, blind_indexes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class CheckSuppressionResponse(_message.Message):
    __slots__ = ("suppressed",)
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    suppressed: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, suppressed: _Optional[_Iterable[bool]] = ...) -> None: ...

class GetRecordOfProcessingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRecordOfProcessingResponse(_message.Message):
    __slots__ = ("record_json",)
    RECORD_JSON_FIELD_NUMBER: _ClassVar[int]
    record_json: bytes
    def __init__(self, record_json: _Optional[bytes] = ...) -> None: ...

class RecordDataAccessRequest(_message.Message):
    __slots__ = ("actor", "method", "profiles", "service")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    actor: str
    method: str
    profiles: _containers.RepeatedScalarFieldContainer[str]
    service: str
    def __init__(self, actor: _Optional[str] = ..., method: _Optional[str] = ..., profiles: _Optional[_Iterable[str]] = ..., service: _Optional[str] = ...) -> None: ...

class RecordDataAccessResponse(_message.Message):
    __slots__ = ("sequence",)
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    def __init__(self, sequence: _Optional[int] = ...) -> None: ...

class Incident(_message.Message):
    __slots__ = ("name", "nature", "discover_time", "occur_time", "data_categories", "subject_categories", "approximate_subjects", "approximate_records", "contact", "consequences", "measures", "jurisdictions", "record_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATURE_FIELD_NUMBER: _ClassVar[int]
    DISCOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    DATA_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    APPROXIMATE_SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    APPROXIMATE_RECORDS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CONSEQUENCES_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    JURISDICTIONS_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    nature: str
    discover_time: _timestamp_pb2.Timestamp
    occur_time: _timestamp_pb2.Timestamp
    data_categories: _containers.RepeatedScalarFieldContainer[str]
    subject_categories: _containers.RepeatedScalarFieldContainer[str]
    approximate_subjects: int
    approximate_records: int
    contact: str
    consequences: str
    measures: str
    jurisdictions: _containers.RepeatedScalarFieldContainer[str]
    record_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., nature: _Optional[str] = ..., discover_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data_categories: _Optional[_Iterable[str]] = ..., subject_categories: _Optional[_Iterable[str]] = ..., approximate_subjects: _Optional[int] = ..., approximate_records: _Optional[int] = ..., contact: _Optional[str] = ..., consequences: _Optional[str] = ..., measures: _Optional[str] = ..., jurisdictions: _Optional[_Iterable[str]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordIncidentRequest(_message.Message):
    __slots__ = ("incident", "request_id")
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    incident: Incident
    request_id: str
    def __init__(self, incident: _Optional[_Union[Incident, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordIncidentResponse(_message.Message):
    __slots__ = ("incident", "draft_notice_json")
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_NOTICE_JSON_FIELD_NUMBER: _ClassVar[int]
    incident: Incident
    draft_notice_json: bytes
    def __init__(self, incident: _Optional[_Union[Incident, _Mapping]] = ..., draft_notice_json: _Optional[bytes] = ...) -> None: ...

class GetIncidentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetIncidentResponse(_message.Message):
    __slots__ = ("incident", "draft_notice_json")
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_NOTICE_JSON_FIELD_NUMBER: _ClassVar[int]
    incident: Incident
    draft_notice_json: bytes
    def __init__(self, incident: _Optional[_Union[Incident, _Mapping]] = ..., draft_notice_json: _Optional[bytes] = ...) -> None: ...
