"""RFC 9457 problem details: every error a Pingan service answers has one shape.

Members: ``type``, ``title``, ``status``, ``detail``, ``instance`` (the request path, without the
query string, which may carry personal data) and ``request_id`` when the request has one; field
errors add ``errors: [{"field", "message", "type"}]``; a ``ProblemError`` may add extension members.

Problem types: ``about:blank`` when the status says it all (its title is then the status phrase);
otherwise a slug such as ``validation-error``, sent as ``urn:pingan:problem:validation-error``.
A URN, not an http URL, because there is no page to resolve it to; clients compare the string.

The modules: ``errors`` (the exceptions to raise), ``handlers`` (rendering and the exception
handlers ``install_problem_handlers`` adds, with why malformed JSON is a 400 and how unhandled
errors are answered) and ``openapi`` (the ``Problem`` schema and ``problem_responses``). Import
from ``pingan_common.problems``: every name is here.
"""

from pingan_common.problems.errors import (
    MALFORMED_JSON,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    VALIDATION_ERROR,
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    Unauthorized,
    UnprocessableEntity,
    problem_type,
    status_phrase,
)
from pingan_common.problems.handlers import (
    MAX_FIELD_ERRORS,
    MAX_MESSAGE_LENGTH,
    install_problem_handlers,
    logger,
    problem_response,
    render_exception,
)
from pingan_common.problems.openapi import Problem, ProblemFieldError, problem_responses

__all__ = [
    "MALFORMED_JSON",
    "MAX_FIELD_ERRORS",
    "MAX_MESSAGE_LENGTH",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_PREFIX",
    "VALIDATION_ERROR",
    "Conflict",
    "Forbidden",
    "NotFound",
    "Problem",
    "ProblemError",
    "ProblemFieldError",
    "Unauthorized",
    "UnprocessableEntity",
    "install_problem_handlers",
    "logger",
    "problem_response",
    "problem_responses",
    "problem_type",
    "render_exception",
    "status_phrase",
]
