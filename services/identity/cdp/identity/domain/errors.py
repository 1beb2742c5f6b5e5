"""Identity's domain errors: each names the condition and a stable reason, never a person's value."""

from __future__ import annotations

from cdp.errors import FailedPrecondition, InvalidArgument, NotFound


class ProfileNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__("PROFILE_NOT_FOUND", "the profile does not exist", profile=name)


class IdentifierNotFound(NotFound):
    def __init__(self, id_type: str, field: str = "identifier") -> None:
        super().__init__(
            "IDENTIFIER_NOT_FOUND", f"no profile has this {id_type}", type=id_type, field=field
        )


class InvalidProfileName(InvalidArgument):
    def __init__(self, field: str) -> None:
        super().__init__(
            "INVALID_PROFILE_NAME", f"{field} must look like profiles/p<24 hex digits>", field=field
        )


class InvalidIdentifierValue(InvalidArgument):
    def __init__(self, reason: str, message: str, field: str) -> None:
        super().__init__(reason, message, field=field)


class SplitWouldEmptyProfile(InvalidArgument):
    def __init__(self) -> None:
        super().__init__(
            "SPLIT_TAKES_ALL_IDENTIFIERS",
            "a split must leave at least one identifier on the profile",
            field="identifiers",
        )


class SubjectRestricted(FailedPrecondition):
    """The person asked for their data not to be processed: ordinary reads refuse, compliance does not."""

    def __init__(self) -> None:
        super().__init__("SUBJECT_RESTRICTED", "processing of this person's data is restricted")
