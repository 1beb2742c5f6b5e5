"""The method -> roles map for the whole suite (deny by default: a method missing here cannot be called)."""

from __future__ import annotations

SERVICE = "service"
COMPLIANCE = "compliance_officer"

_RAW: dict[str, dict[str, tuple[str, ...]]] = {
    "cdp.api.ingestion.v1.IngestionService": {
        "IngestEvents": ("ingest_writer", SERVICE),
        "ImportEvents": ("ingest_writer", SERVICE),
    },
    "cdp.api.identity.v1.IdentityService": {
        "ResolveIdentities": (SERVICE, "ingest_writer"),
        "LookupProfile": ("profile_reader", SERVICE),
        "ListProfileIdentities": ("profile_reader", SERVICE),
        "ExplainProfile": ("profile_reader", SERVICE),
        "SplitProfile": ("segment_admin", SERVICE),
        "ResolveSubject": (SERVICE, COMPLIANCE),
        "ResolveEvents": (SERVICE,),
    },
    "cdp.api.profile.v1.ProfileService": {
        "GetProfile": ("profile_reader", SERVICE),
        "BatchGetProfiles": ("profile_reader", SERVICE),
        "ListProfileEvents": ("profile_reader", SERVICE),
        "ApplyProfileChanges": (SERVICE,),
        "ApplyComputedTraits": (SERVICE,),
    },
    "cdp.api.segmentation.v1.SegmentationService": {
        "CreateSegment": ("segment_admin",),
        "GetSegment": ("segment_admin", "profile_reader"),
        "ListSegments": ("segment_admin", "profile_reader"),
        "UpdateSegment": ("segment_admin",),
        "DeleteSegment": ("segment_admin",),
        "PreviewSegment": ("segment_admin",),
        "ListSegmentMembers": ("segment_admin", SERVICE),
        "WatchSegmentMembership": ("segment_admin", SERVICE),
        "CreateComputedTrait": ("segment_admin",),
        "GetComputedTrait": ("segment_admin", "profile_reader"),
        "ListComputedTraits": ("segment_admin", "profile_reader"),
        "DeleteComputedTrait": ("segment_admin",),
        "ParseCondition": ("segment_admin", "profile_reader"),
    },
    "cdp.api.segmentation.v1.SegmentationFeedService": {
        "ApplyProfileUpdates": (SERVICE,),
        "ApplyConsentUpdates": (SERVICE,),
    },
    "cdp.api.consent.v1.ConsentService": {
        "RecordConsent": ("consent_manager", COMPLIANCE),
        "GetConsentState": ("consent_manager", COMPLIANCE, SERVICE),
        "ListConsentHistory": ("consent_manager", COMPLIANCE),
        "CheckConsent": (SERVICE, "consent_manager"),
    },
    "cdp.api.consent.v1.PrivacyService": {
        "CreateDataSubjectRequest": (COMPLIANCE,),
        "GetDataSubjectRequest": (COMPLIANCE,),
        "ListDataSubjectRequests": (COMPLIANCE,),
        "CancelDataSubjectRequest": (COMPLIANCE,),
        "GetReceipt": (COMPLIANCE, "auditor"),
        "VerifyAuditChain": ("auditor", COMPLIANCE),
        "GetRecordOfProcessing": (COMPLIANCE, "auditor"),
        "RecordDataAccess": (SERVICE,),
        "RecordIncident": (COMPLIANCE,),
        "GetIncident": (COMPLIANCE, "auditor"),
        "CheckSuppression": (SERVICE,),
    },
    "cdp.api.consent.v1.KeyService": {
        "GetDataKeys": (SERVICE,),
        "DestroyDataKeys": (COMPLIANCE, SERVICE),
        "ReportKeyUsage": (SERVICE,),
        "RotateKeyEncryptionKey": (COMPLIANCE,),
    },
    "cdp.api.privacy.v1.DataSubjectParticipantService": {
        "FenceSubject": (SERVICE,),
        "EraseSubject": (SERVICE,),
        "ExportSubject": (SERVICE,),
        "RestrictSubject": (SERVICE,),
    },
}

METHOD_ROLES: dict[str, frozenset[str]] = {
    f"/{service}/{method}": frozenset(roles)
    for service, methods in _RAW.items()
    for method, roles in methods.items()
}

# Methods that change state: callers must set a deadline (privacy.md R24), so a stuck caller can never
# leave a write running with nobody waiting for its answer.
WRITE_METHODS: frozenset[str] = frozenset(
    f"/{service}/{method}"
    for service, method in (
        ("cdp.api.ingestion.v1.IngestionService", "IngestEvents"),
        ("cdp.api.ingestion.v1.IngestionService", "ImportEvents"),
        ("cdp.api.identity.v1.IdentityService", "ResolveIdentities"),
        ("cdp.api.identity.v1.IdentityService", "SplitProfile"),
        ("cdp.api.identity.v1.IdentityService", "ResolveEvents"),
        ("cdp.api.profile.v1.ProfileService", "ApplyProfileChanges"),
        ("cdp.api.profile.v1.ProfileService", "ApplyComputedTraits"),
        ("cdp.api.segmentation.v1.SegmentationService", "CreateSegment"),
        ("cdp.api.segmentation.v1.SegmentationService", "UpdateSegment"),
        ("cdp.api.segmentation.v1.SegmentationService", "DeleteSegment"),
        ("cdp.api.segmentation.v1.SegmentationService", "CreateComputedTrait"),
        ("cdp.api.segmentation.v1.SegmentationService", "DeleteComputedTrait"),
        ("cdp.api.segmentation.v1.SegmentationFeedService", "ApplyProfileUpdates"),
        ("cdp.api.segmentation.v1.SegmentationFeedService", "ApplyConsentUpdates"),
        ("cdp.api.consent.v1.ConsentService", "RecordConsent"),
        ("cdp.api.consent.v1.PrivacyService", "CreateDataSubjectRequest"),
        ("cdp.api.consent.v1.PrivacyService", "CancelDataSubjectRequest"),
        ("cdp.api.consent.v1.PrivacyService", "RecordDataAccess"),
        ("cdp.api.consent.v1.PrivacyService", "RecordIncident"),
        ("cdp.api.consent.v1.KeyService", "GetDataKeys"),
        ("cdp.api.consent.v1.KeyService", "DestroyDataKeys"),
        ("cdp.api.consent.v1.KeyService", "ReportKeyUsage"),
        ("cdp.api.consent.v1.KeyService", "RotateKeyEncryptionKey"),
        ("cdp.api.privacy.v1.DataSubjectParticipantService", "FenceSubject"),
        ("cdp.api.privacy.v1.DataSubjectParticipantService", "EraseSubject"),
        ("cdp.api.privacy.v1.DataSubjectParticipantService", "RestrictSubject"),
    )
)
