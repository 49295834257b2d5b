"""Turning the API's errors into what a form shows: a message at each field (with the
expression parser's position), and the rest above the form."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from dialtrail.api.errors import ApiError, FieldProblem, from_pydantic_errors


@dataclass
class FormErrors:
    fields: dict[str, FieldProblem] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def form_errors(error: ApiError | ValidationError, known_fields: tuple[str, ...]) -> FormErrors:
    api_error = error if isinstance(error, ApiError) else from_pydantic_errors(error.errors())
    errors = FormErrors()
    for problem in api_error.fields:
        if problem.field in known_fields and problem.field not in errors.fields:
            errors.fields[problem.field] = problem
        elif problem.field not in known_fields:
            errors.general.append(problem.message)
    if not api_error.fields:
        errors.general.append(api_error.message)
    return errors
