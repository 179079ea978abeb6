"""Domain errors raised by services; one exception handler maps them for the web and the API."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "Niet gevonden.") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, message: str = "U heeft geen toegang tot deze pagina.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    status_code = 409


# A lock or a commit that did not come through in time (a busy database): the user may try again (409).
BUSY = "Het is op dit moment erg druk. Probeer het over een paar seconden opnieuw."


class InvalidInput(DomainError):
    """Bad input: one Dutch message per field (a dotted path such as ``child.date_of_birth``)."""

    status_code = 422

    def __init__(self, errors: Mapping[str, str], message: str = "Controleer de gemarkeerde velden.") -> None:
        super().__init__(message)
        self.errors = dict(errors)


class MalformedRequest(InvalidInput):
    """A request no client of ours sends (a NUL byte in the path): 400 with the same shape as bad input."""

    status_code = 400
