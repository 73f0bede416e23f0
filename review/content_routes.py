"""The content API under `/api/content/` (editors; admins too): contacts, out-of-scope routes,
incidents. Every change is audited and names the version it edited (409 when it is stale)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from actions.content import CONTACTS, OUT_OF_SCOPE
from actions.store import Incident, IncidentFields, StaleEdit
from handoff.api.routing import ApiError, Call, NoInput, RouteTable
from handoff.audit import record_audit
from handoff.models import Role
from review import content
from review.content_schemas import (
    ContactsInput,
    ContactsView,
    IncidentBoard,
    IncidentEdit,
    IncidentInput,
    IncidentView,
    OutOfScopeInput,
    OutOfScopeView,
    ServiceView,
    VersionInput,
)
from review.texts import review_text, review_texts

T = TypeVar("T")
routes = RouteTable()


def _meta(edited: content.EditableContent) -> dict[str, Any]:
    """The version fields every content view has."""
    return {
        "version": edited.version,
        "updated_at": edited.updated_at,
        "updated_by": edited.updated_by,
    }


def _incident_view(incident: Incident) -> IncidentView:
    """An incident row as the API answers it."""
    return IncidentView.model_validate(incident, from_attributes=True)


def _fields(data: IncidentInput) -> IncidentFields:
    """The store's fields from the validated input (the public text stripped)."""
    return IncidentFields(
        service_code=data.service_code,
        kind=data.kind,
        public_text=data.public_text.strip(),
        started_at=data.started_at,
        expected_recovery_at=data.expected_recovery_at,
    )


@routes.route(
    "GET",
    "/api/content/contacts",
    summary="Support contacts and the chat operators' hours now in force",
    role=Role.EDITOR,
    input=NoInput,
    response=ContactsView,
)
async def get_contacts(call: Call[NoInput]) -> ContactsView:
    """The last saved contacts, or the default file's (version 0)."""
    edited = await content.current(call.db, CONTACTS)
    return ContactsView.model_validate({**edited.body, **_meta(edited)})


@routes.route(
    "PUT",
    "/api/content/contacts",
    summary="Change the support contacts and hours",
    role=Role.EDITOR,
    input=ContactsInput,
    response=ContactsView,
    errors=(409, 422),
)
async def put_contacts(call: Call[ContactsInput]) -> ContactsView:
    """Check and save; every action server answers with them from the next turn."""
    body = call.data.model_dump(mode="json", exclude={"version"})
    edited = await _saved(call, CONTACTS, body, call.data.version)
    return ContactsView.model_validate({**edited.body, **_meta(edited)})


@routes.route(
    "GET",
    "/api/content/out-of-scope",
    summary="The routes for questions the assistant does not handle, now in force",
    role=Role.EDITOR,
    input=NoInput,
    response=OutOfScopeView,
)
async def get_out_of_scope(call: Call[NoInput]) -> OutOfScopeView:
    """The last saved topics, or the default file's (version 0)."""
    edited = await content.current(call.db, OUT_OF_SCOPE)
    return OutOfScopeView.model_validate({**edited.body, **_meta(edited)})


@routes.route(
    "PUT",
    "/api/content/out-of-scope",
    summary="Change the out-of-scope routes and their topics",
    role=Role.EDITOR,
    input=OutOfScopeInput,
    response=OutOfScopeView,
    errors=(409, 422),
)
async def put_out_of_scope(call: Call[OutOfScopeInput]) -> OutOfScopeView:
    """Check and save; every action server answers with them from the next turn."""
    body = call.data.model_dump(mode="json", exclude={"version"})
    edited = await _saved(call, OUT_OF_SCOPE, body, call.data.version)
    return OutOfScopeView.model_validate({**edited.body, **_meta(edited)})


@routes.route(
    "GET",
    "/api/content/incidents",
    summary="Known incidents and planned maintenance, and the services they can be about",
    role=Role.EDITOR,
    input=NoInput,
    response=IncidentBoard,
)
async def get_incidents(call: Call[NoInput]) -> IncidentBoard:
    """Every incident, ended ones included, the latest start first."""
    titles, incidents = await content.incident_board(call.db)
    return IncidentBoard(
        services=[ServiceView(code=code, title=title) for code, title in sorted(titles.items())],
        incidents=[_incident_view(incident) for incident in incidents],
    )


@routes.route(
    "POST",
    "/api/content/incidents",
    summary="Announce an incident or a planned maintenance",
    role=Role.EDITOR,
    input=IncidentInput,
    response=IncidentView,
    status=201,
    errors=(422,),
)
async def post_incident(call: Call[IncidentInput]) -> IncidentView:
    """Citizens who ask about the service are told at once."""
    incident = await _guarded(content.announce(call.db, _fields(call.data)))
    await _audit(call, "incident_create", incident)
    return _incident_view(incident)


@routes.route(
    "PUT",
    "/api/content/incidents/{id}",
    summary="Change an incident's text, times or service",
    role=Role.EDITOR,
    input=IncidentEdit,
    response=IncidentView,
    errors=(404, 409, 422),
)
async def put_incident(call: Call[IncidentEdit]) -> IncidentView:
    """Rewrite the incident the editor saw."""
    work = content.rewrite(call.db, call.path_int("id"), call.data.version, _fields(call.data))
    incident = await _guarded(work)
    await _audit(call, "incident_update", incident)
    return _incident_view(incident)


@routes.route(
    "POST",
    "/api/content/incidents/{id}/end",
    summary="End an incident: citizens are no longer told about it",
    role=Role.EDITOR,
    input=VersionInput,
    response=IncidentView,
    errors=(404, 409),
)
async def end_incident(call: Call[VersionInput]) -> IncidentView:
    """Set its end to now."""
    work = content.end(call.db, call.path_int("id"), call.data.version, call.now)
    incident = await _guarded(work)
    await _audit(call, "incident_end", incident)
    return _incident_view(incident)


async def _saved(
    call: Call[Any], key: str, body: dict[str, Any], seen_version: int
) -> content.EditableContent:
    """Save a content body and audit it, the new version and the body itself in the detail."""
    edited = await _guarded(
        content.save(call.db, key, body, seen_version, call.operator.id, call.now),
        "content_conflict",
    )
    await record_audit(
        call.db,
        call.operator.id,
        f"content_{key}",
        detail={"version": edited.version, "body": body},
    )
    return edited


async def _audit(call: Call[Any], action: str, incident: Incident) -> None:
    """One audit entry for an incident change, with what citizens are now told."""
    await record_audit(
        call.db,
        call.operator.id,
        action,
        detail={
            "incident_id": incident.id,
            "version": incident.version,
            "service_code": incident.service_code,
            "kind": incident.kind,
            "public_text": incident.public_text,
            "expected_recovery_at": incident.expected_recovery_at,
            "resolved_at": incident.resolved_at,
        },
    )


async def _guarded(work: Awaitable[T], conflict: str = "incident_conflict") -> T:
    """The refusals as API errors: 409 for another editor's change, 404, 422 for a broken rule."""
    try:
        return await work
    except StaleEdit as error:
        raise ApiError(409, review_text(conflict)) from error
    except LookupError as error:
        raise ApiError(404, review_text("incident_not_found")) from error
    except content.ContentRefusal as error:
        message = review_text(error.key).format(where=_field_names(error.where or ""))
        raise ApiError(422, message, [{"loc": error.where, "msg": message}]) from error


def _field_names(where: str) -> str:
    """`topics.3.route` as the editor reads it: «тема № 4, маршрут»."""
    texts, parts = review_texts(), where.split(".") if where else []
    names = []
    for index, part in enumerate(parts):
        if part.isdigit():
            names.append(texts["field_topic"].format(number=int(part) + 1))
        elif index + 1 == len(parts) or not parts[index + 1].isdigit():
            names.append(texts.get(f"field_{part}", part))
    return ", ".join(names)
