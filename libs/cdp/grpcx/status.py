"""CdpError -> google.rpc.Status with ErrorInfo (and BadRequest for a bad field)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from cdp.errors import CdpError, InvalidArgument

DOMAIN = "cdp.dev"


def to_status(err: CdpError) -> grpc.Status:
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=err.reason, domain=DOMAIN, metadata=err.metadata))
    ]
    if isinstance(err, InvalidArgument):
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=err.field, description=err.message
        )
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    status = status_pb2.Status(
        code=code_pb2.Code.Value(err.code), message=err.message, details=details
    )
    return rpc_status.to_status(status)


def error_info(call_error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo of a failed call, for clients that branch on reason."""
    status = rpc_status.from_call(call_error)
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info
    return None


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
