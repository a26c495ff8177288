"""The 23 Video error codes, one class per code (error-codes.md), raised by validation and rendered once."""

from __future__ import annotations

from typing import ClassVar


class ApiError(Exception):
    """A vendor error answer: ``code``, ``message`` and the caller's ``permission_level``.

    Raised anywhere below a view; the blueprint's error handler renders it with the same
    renderer as a success, in the envelope the request asked for (HTTP 200 unless ``http_status``).
    """

    code: ClassVar[str] = "error"
    default_message: ClassVar[str] = "An error occurred."
    default_permission_level: ClassVar[str] = "anonymous"

    def __init__(self, message: str | None = None, *, param: str | None = None,
                 permission_level: str | None = None, code: str | None = None, http_status: int = 200):
        self.message = message or self.default_message
        self.param = param
        self.permission_level = permission_level or self.default_permission_level
        self.error_code = code or self.code
        self.http_status = http_status
        super().__init__(self.message)


class InvalidInput(ApiError):
    """``invalid_input``: a parameter is missing or malformed; the message names it."""

    code = "invalid_input"
    default_message = "Parameters are malformed."

    @classmethod
    def missing(cls, param: str, hint: str = "") -> InvalidInput:
        """The required ``param`` is absent or empty."""
        return cls(f"Parameters are malformed: {param} is required{hint}.", param=param)

    @classmethod
    def malformed(cls, param: str, expected: str) -> InvalidInput:
        """``param`` is present but not what the method accepts."""
        return cls(f"Parameters are malformed: {param} must be {expected}.", param=param)


class NoSuchPhoto(ApiError):
    """``no_such_photo``: the site lists its photos and this id is not among them."""

    code = "no_such_photo"
    default_message = "No photo/video with the given id."


class PermissionDenied(ApiError):
    """``permission_denied``: the calling server is not whitelisted; the caller's level is ``none``."""

    code = "permission_denied"
    default_message = ("You don't have the necessary permissions to perform this action "
                       "(required level: 'whitelisted server').")
    default_permission_level = "none"


class InvalidSignature(ApiError):
    """``invalid_signature``: OAuth parameters were sent but do not verify; the message says why."""

    code = "invalid_signature"
    default_message = "The given signature was invalid."

    @classmethod
    def because(cls, problem: str) -> InvalidSignature:
        """The vendor's sentence followed by what exactly is wrong (never a secret)."""
        return cls(f"The given signature was invalid: {problem}.")


class InsufficientLevel(ApiError):
    """``permission_denied`` for a method above the caller's OAuth level (the vendor's wording)."""

    code = "permission_denied"
    default_message = "You don't have the necessary permissions to perform this action."

    @classmethod
    def required(cls, level: str, caller_level: str, detail: str = "") -> InsufficientLevel:
        """``required level: 'read'`` as in index.md; ``detail`` adds what the caller can do about it."""
        return cls("You don't have the necessary permissions to perform this action "
                   f"(required level: '{level}'){detail}", permission_level=caller_level)


class VendorError(ApiError):
    """Any other code: routing errors, injected ``error`` faults, rate limits."""

    code = "error"
