"""PrivacyService servicer: proto <-> commands, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from cdp import paging
from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.consent.domain.requests import DataSubjectRequest, RequestType, request_id_from_name
from cdp.consent.privacy_access import AccessMethods
from cdp.consent.privacy_incidents import IncidentMethods
from cdp.consent.service_layer import privacy
from cdp.errors import InvalidArgument, field_required

_TYPES = {
    pb.REQUEST_TYPE_ACCESS: RequestType.ACCESS,
    pb.REQUEST_TYPE_PORTABILITY: RequestType.PORTABILITY,
    pb.REQUEST_TYPE_ERASURE: RequestType.ERASURE,
    pb.REQUEST_TYPE_RESTRICTION: RequestType.RESTRICTION,
    pb.REQUEST_TYPE_RESTRICTION_LIFT: RequestType.RESTRICTION_LIFT,
    pb.REQUEST_TYPE_OBJECTION: RequestType.OBJECTION,
}
_TYPE_NAMES = {value: key for key, value in _TYPES.items()}
MAX_SUPPRESSION_CHECKS = 5000


class PrivacyServicer(AccessMethods, IncidentMethods, pb_grpc.PrivacyServiceServicer):
    def __init__(self, app) -> None:
        self._app = app

    def CreateDataSubjectRequest(self, request, context) -> pb.CreateDataSubjectRequestResponse:
        if request.type not in _TYPES:
            raise field_required("type")
        command = privacy.CreateRequest(
            request.request_id,
            _TYPES[request.type],
            request.jurisdiction,
            [(i.type, i.value) for i in request.identities],
        )
        return pb.CreateDataSubjectRequestResponse(
            request=self._proto(privacy.create_request(command, self._app.privacy()))
        )

    def GetDataSubjectRequest(self, request, context) -> pb.GetDataSubjectRequestResponse:
        found = privacy.get_request(request_id_from_name(request.name), self._app.engine)
        return pb.GetDataSubjectRequestResponse(request=self._proto(found, with_export=True))

    def ListDataSubjectRequests(self, request, context) -> pb.ListDataSubjectRequestsResponse:
        size = request.page_size or 50
        if not 0 < size <= 500:
            raise InvalidArgument(
                "INVALID_PAGE_SIZE", "page_size must be 1..500", field="page_size"
            )
        found, token = privacy.list_requests(
            size, _decode_token(request.page_token), self._app.engine
        )
        return pb.ListDataSubjectRequestsResponse(
            requests=[self._proto(r) for r in found], next_page_token=_encode_token(token)
        )

    def CancelDataSubjectRequest(self, request, context) -> pb.CancelDataSubjectRequestResponse:
        cancelled = privacy.cancel_request(request_id_from_name(request.name), self._app.privacy())
        return pb.CancelDataSubjectRequestResponse(request=self._proto(cancelled))

    def GetReceipt(self, request, context) -> pb.GetReceiptResponse:
        payload, signature = privacy.receipt(request_id_from_name(request.name), self._app.engine)
        return pb.GetReceiptResponse(
            payload=payload, signature=signature, public_key=self._app.receipt_public_key()
        )

    def VerifyAuditChain(self, request, context) -> pb.VerifyAuditChainResponse:
        valid, count, first_bad, problem = self._app.verify_audit()
        return pb.VerifyAuditChainResponse(
            valid=valid, entry_count=count, first_bad_sequence=first_bad or 0, problem=problem or ""
        )

    def GetRecordOfProcessing(self, request, context) -> pb.GetRecordOfProcessingResponse:
        return pb.GetRecordOfProcessingResponse(record_json=self._app.record_of_processing())

    def CheckSuppression(self, request, context) -> pb.CheckSuppressionResponse:
        if len(request.blind_indexes) > MAX_SUPPRESSION_CHECKS:
            raise InvalidArgument(
                "TOO_MANY_ITEMS", "at most 5000 blind indexes", field="blind_indexes"
            )
        flags = privacy.is_suppressed(list(request.blind_indexes), self._app.privacy())
        return pb.CheckSuppressionResponse(suppressed=flags)

    def _proto(
        self, request: DataSubjectRequest, with_export: bool = False
    ) -> pb.DataSubjectRequest:
        message = pb.DataSubjectRequest(
            name=request.name,
            type=_TYPE_NAMES[request.type],
            jurisdiction=request.jurisdiction,
            state=pb.RequestState.Value(f"REQUEST_STATE_{request.state.value}"),
            subject_ids=request.subject.subject_ids,
            receive_time=_ts(request.receive_time),
            due_time=_ts(request.due_time),
        )
        if request.complete_time:
            message.complete_time.CopyFrom(_ts(request.complete_time))
        for task in request.tasks:
            message.tasks.add(
                service=task.service,
                state=pb.RequestState.Value(_task_state(task.state.value)),
                counts=task.counts,
                last_error=task.last_error,
                attempt_count=task.attempts,
            )
        if with_export and request.type in (RequestType.ACCESS, RequestType.PORTABILITY):
            message.export_json = self._app.export_document(request)
        return message


def _task_state(state: str) -> str:
    return {"DONE": "REQUEST_STATE_COMPLETED", "FAILED": "REQUEST_STATE_PARTIAL"}.get(
        state, "REQUEST_STATE_IN_PROGRESS"
    )


def _ts(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


REQUESTS_LISTING = "dataSubjectRequests"


def _encode_token(token: tuple[datetime, str] | None) -> str:
    if token is None:
        return ""
    return paging.encode([token[0].isoformat(), token[1]], REQUESTS_LISTING)


def _decode_token(token: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    try:
        moment, request_id = paging.decode(token, REQUESTS_LISTING)
        return datetime.fromisoformat(moment), str(request_id)
    except (ValueError, TypeError) as exc:
        raise paging.InvalidPageToken() from exc
