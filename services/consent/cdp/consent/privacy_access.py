"""PrivacyService.RecordDataAccess: operator reads of personal data, one audit entry each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.consent.domain.access import DataAccess
from cdp.consent.service_layer.access import record_data_access

if TYPE_CHECKING:
    from cdp.consent.bootstrap import App


class AccessMethods:
    """Mixed into PrivacyService's servicer (kept apart so each RPC family has its own file)."""

    _app: App

    def RecordDataAccess(
        self, request: pb.RecordDataAccessRequest, context: grpc.ServicerContext
    ) -> pb.RecordDataAccessResponse:
        access = DataAccess.checked(
            request.actor, request.method, list(request.profiles), request.service
        )
        sequence = record_data_access(access, self._app.engine, self._app.audit)
        return pb.RecordDataAccessResponse(sequence=sequence)
