"""Turning the API's errors into what a form shows: a message at each field (with the
expression parser's position), and the rest above the form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from dialtrail.api.errors import (
    ApiError,
    FieldProblem,
    field_path,
    from_pydantic_errors,
    pydantic_message,
)

# A form's own words for pydantic's refusals, by (field, pydantic error type): a person typing
# in a form should read "Give the project a name.", not "String should have at least 1 character".
PlainMessages = Mapping[tuple[str, str], str]


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


def plain_problems(error: ValidationError, plain: PlainMessages) -> list[FieldProblem]:
    """Each refused field once, in the form's words where it has some."""
    problems: dict[str, FieldProblem] = {}
    for item in error.errors():
        name = field_path(item["loc"])
        message = plain.get((name, item["type"])) or pydantic_message(dict(item))
        problems.setdefault(name, FieldProblem(name, message))
    return list(problems.values())


def as_api_error(error: ApiError | ValidationError) -> ApiError:
    return error if isinstance(error, ApiError) else from_pydantic_errors(error.errors())


@dataclass
class PastedLines:
    """A textarea's non-blank lines, and the line of the box each came from (blank lines are
    skipped but counted, so "line 3" is the third line the person sees)."""

    values: list[str]
    line_numbers: list[int]

    @classmethod
    def of(cls, text: str) -> PastedLines:
        pasted = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
        kept = [(number, line) for number, line in pasted if line]
        return cls([line for _, line in kept], [number for number, _ in kept])


def list_index(field: str, list_field: str) -> int | None:
    """``site_numbers.3`` → 3 for the list ``site_numbers``; None for any other field."""
    prefix, _, index = field.partition(".")
    return int(index) if prefix == list_field and index.isdigit() else None


def problems_by_line(
    api_error: ApiError, list_field: str, lines: PastedLines
) -> list[tuple[int, str]]:
    """The API names a bad item by its place in the list; the form names its line in the box."""
    return [
        (lines.line_numbers[index], problem.message)
        for problem in api_error.fields
        if (index := list_index(problem.field, list_field)) is not None
        and index < len(lines.line_numbers)
    ]


def lines_summary(bad_lines: list[tuple[int, str]], nothing: str) -> str:
    lines = ", ".join(str(number) for number, _ in bad_lines)
    noun = "line" if len(bad_lines) == 1 else "lines"
    return f"{nothing}: fix {noun} {lines} (shown below) and send the form again."


def errors_with_lines(
    error: ApiError | ValidationError,
    pasted: dict[str, PastedLines],
    known_fields: tuple[str, ...],
    nothing: str,
) -> tuple[FormErrors, dict[str, list[tuple[int, str]]]]:
    """Errors of the one-a-line boxes at their lines (with a summary at the box), the rest at
    their fields; ``nothing`` says what was not done ("Nothing was saved")."""
    api_error = as_api_error(error)
    by_line = {name: problems_by_line(api_error, name, lines) for name, lines in pasted.items()}
    bad_lines = {name: lines for name, lines in by_line.items() if lines}
    rest = [problem for problem in api_error.fields if not in_lists(problem.field, pasted)]
    errors = FormErrors()
    if rest or not bad_lines:
        others = ApiError(api_error.status, api_error.code, api_error.message, rest)
        errors = form_errors(others, known_fields)
    for name, lines in bad_lines.items():
        errors.fields[name] = FieldProblem(name, lines_summary(lines, nothing))
    return errors, bad_lines


def in_lists(field: str, list_fields: dict[str, PastedLines]) -> bool:
    return any(list_index(field, name) is not None for name in list_fields)
