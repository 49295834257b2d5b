"""Unknown query parameters are refused: a typo such as ``?atribution=late`` must not quietly
answer every call, as request bodies already refuse unknown fields."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from dialtrail.api.errors import FieldProblem, invalid


def refuse_unknown_query_parameters(request: Request) -> None:
    """app.py runs it after authentication, so a stranger gets 401 whatever the query says."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = known_query_parameters(route)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise invalid(
            *(
                FieldProblem(name, f"unknown query parameter (this endpoint takes: {expected})")
                for name in unknown
            )
        )


# Routes compare by value and cannot be dictionary keys: by identity, holding the route (so
# that its id is never reused by another while it is cached).
KNOWN: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def known_query_parameters(route: APIRoute) -> frozenset[str]:
    """The names (aliases included) of every query parameter the route and its dependencies
    declare."""
    cached = KNOWN.get(id(route))
    if cached is None or cached[0] is not route:
        cached = KNOWN[id(route)] = (route, frozenset(declared_query_parameters(route.dependant)))
    return cached[1]


def declared_query_parameters(dependant: Dependant) -> set[str]:
    names = {parameter.alias for parameter in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= declared_query_parameters(dependency)
    return names
