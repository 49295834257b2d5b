"""``/api/v1/projects``, ``/api/v1/projects/{id}/members`` and ``/api/v1/tokens``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, not_found
from dialtrail.api.schemas import ProjectId, TokenId, UserId
from dialtrail.projects import accounts, service
from dialtrail.projects.access import owned_project, readable_project, visible_projects
from dialtrail.projects.accounts import (
    AccountError,
    find_own_token,
    issue_token,
    revoke_token,
)
from dialtrail.projects.auth import CurrentUser
from dialtrail.projects.models import ApiToken, Membership
from dialtrail.projects.schemas import (
    MemberCreate,
    MemberList,
    MemberOut,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectUpdate,
    TokenCreate,
    TokenCreated,
    TokenList,
    TokenOut,
)

router = APIRouter(tags=["projects"])
tokens_router = APIRouter(tags=["tokens"])


@router.get("/projects", summary="List your projects")
def list_projects(user: CurrentUser, session: DatabaseSession) -> ProjectList:
    rows = visible_projects(session, user)
    return ProjectList(items=[ProjectOut.build(project, role) for project, role in rows])


@router.post("/projects", status_code=201, summary="Create a project (you become its owner)")
def create_project(body: ProjectCreate, user: CurrentUser, session: DatabaseSession) -> ProjectOut:
    project = service.create_project(session, user, body)
    session.commit()
    return ProjectOut.build(project, "owner")


@router.get("/projects/{project_id}", summary="Show a project")
def show_project(project_id: ProjectId, user: CurrentUser, session: DatabaseSession) -> ProjectOut:
    access = readable_project(session, user, project_id)
    return ProjectOut.build(access.project, access.role)


@router.patch("/projects/{project_id}", summary="Change a project's settings (owners)")
def update_project(
    project_id: ProjectId,
    body: ProjectUpdate,
    user: CurrentUser,
    session: DatabaseSession,
) -> ProjectOut:
    access = owned_project(session, user, project_id)
    service.update_project(session, access.project, body)
    session.commit()
    return ProjectOut.build(access.project, access.role)


@router.delete("/projects/{project_id}", status_code=204, summary="Delete a project (owners)")
def delete_project(project_id: ProjectId, user: CurrentUser, session: DatabaseSession) -> Response:
    access = owned_project(session, user, project_id)
    service.delete_project(session, access.project)
    session.commit()
    return Response(status_code=204)


@router.get("/projects/{project_id}/members", summary="List a project's members")
def list_members(project_id: ProjectId, user: CurrentUser, session: DatabaseSession) -> MemberList:
    access = readable_project(session, user, project_id)
    members = service.list_members(session, access.project)
    return MemberList(items=[member_out(member) for member in members])


@router.post(
    "/projects/{project_id}/members",
    status_code=201,
    summary="Add an existing user to a project (201), or change a member's role (200) (owners)",
)
def add_member(
    project_id: ProjectId,
    body: MemberCreate,
    user: CurrentUser,
    session: DatabaseSession,
    response: Response,
) -> MemberOut:
    access = owned_project(session, user, project_id)
    membership, created = service.add_member(session, access.project, body.email, body.role)
    session.commit()
    if not created:
        response.status_code = 200
    return member_out(membership)


@router.delete(
    "/projects/{project_id}/members/{user_id}",
    status_code=204,
    summary="Remove a member (owners)",
)
def remove_member(
    project_id: ProjectId, user_id: UserId, user: CurrentUser, session: DatabaseSession
) -> Response:
    access = owned_project(session, user, project_id)
    service.remove_member(session, access.project, user_id)
    session.commit()
    return Response(status_code=204)


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id,
        email=membership.user.email,
        role=membership.role,
    )


@tokens_router.get("/tokens", summary="List your API tokens")
def list_tokens(user: CurrentUser, session: DatabaseSession) -> TokenList:
    return TokenList(items=[token_out(token) for token in accounts.list_tokens(session, user)])


@tokens_router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def create_token(body: TokenCreate, user: CurrentUser, session: DatabaseSession) -> TokenCreated:
    try:
        issued = issue_token(session, user, body.name)
    except AccountError as error:
        raise ApiError(422, "validation_failed", str(error)) from None
    session.commit()
    return TokenCreated(**token_out(issued.token).model_dump(), token=issued.secret)


@tokens_router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def delete_token(token_id: TokenId, user: CurrentUser, session: DatabaseSession) -> Response:
    token = find_own_token(session, user, token_id)
    if token is None:
        raise not_found(f"token {token_id}")
    revoke_token(token)
    session.commit()
    return Response(status_code=204)


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )
