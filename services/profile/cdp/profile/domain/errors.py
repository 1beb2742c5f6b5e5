"""The profile service's domain errors: each knows its status family and a stable reason."""

from __future__ import annotations

from cdp.errors import FailedPrecondition, InvalidArgument, NotFound


class ProfileNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__("PROFILE_NOT_FOUND", f"{name} does not exist", name=name)


class IdentifierNotFound(NotFound):
    """No profile has the identifier (the value is never repeated)."""

    def __init__(self, id_type: str) -> None:
        super().__init__(
            "PROFILE_NOT_FOUND", "no profile has this identifier", identifier_type=id_type
        )


class InvalidProfileName(InvalidArgument):
    def __init__(self, field: str) -> None:
        super().__init__(
            "INVALID_PROFILE_NAME", f"{field} must look like profiles/p<24 hex digits>", field=field
        )


class UnknownFieldPath(InvalidArgument):
    def __init__(self, field: str) -> None:
        super().__init__(
            "UNKNOWN_FIELD_PATH", f"{field} names a field Profile does not have", field=field
        )


class SubjectRestricted(FailedPrecondition):
    """The data subject restricted processing: reads answer this until the restriction is lifted."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "SUBJECT_RESTRICTED", f"{name} belongs to a restricted data subject", name=name
        )
