"""KeyService servicer: proto <-> handler calls, nothing else."""

from __future__ import annotations

import grpc

from cdp.api.consent.v1 import key_service_pb2 as pb
from cdp.api.consent.v1 import key_service_pb2_grpc as pb_grpc
from cdp.consent.domain.keys import DataKey, KeyState
from cdp.consent.service_layer import handlers

_STATES = {
    KeyState.ACTIVE: pb.KEY_STATE_ACTIVE,
    KeyState.MISSING: pb.KEY_STATE_MISSING,
    KeyState.DESTROYED: pb.KEY_STATE_DESTROYED,
}


class KeyServicer(pb_grpc.KeyServiceServicer):
    def __init__(self, app) -> None:
        self._app = app

    def GetDataKeys(
        self, request: pb.GetDataKeysRequest, context: grpc.ServicerContext
    ) -> pb.GetDataKeysResponse:
        keys = handlers.get_data_keys(
            self._app.keys, list(request.subject_ids), request.create_missing
        )
        return pb.GetDataKeysResponse(keys=[_to_proto(key) for key in keys])

    def DestroyDataKeys(
        self, request: pb.DestroyDataKeysRequest, context
    ) -> pb.DestroyDataKeysResponse:
        count = handlers.destroy_data_keys(
            self._app.keys, list(request.subject_ids), request.request_id
        )
        return pb.DestroyDataKeysResponse(destroyed_count=count)

    def ReportKeyUsage(
        self, request: pb.ReportKeyUsageRequest, context
    ) -> pb.ReportKeyUsageResponse:
        usages: dict[tuple[str, int], int] = {}
        for usage in request.usages:
            key = (usage.subject_id, usage.version)
            usages[key] = usages.get(key, 0) + max(usage.encryptions, 0)
        rotated = handlers.report_key_usage(self._app.keys, usages)
        return pb.ReportKeyUsageResponse(rotated_subject_ids=rotated)

    def RotateKeyEncryptionKey(self, request, context) -> pb.RotateKeyEncryptionKeyResponse:
        version, count = handlers.rotate_kek(self._app.keys)
        return pb.RotateKeyEncryptionKeyResponse(kek_version=version, rewrapped_count=count)


def _to_proto(key: DataKey) -> pb.DataKey:
    return pb.DataKey(
        subject_id=key.subject_id,
        state=_STATES[key.state],
        key=key.key or b"",
        version=key.version,
        previous_keys=key.previous,
    )
