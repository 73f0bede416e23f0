"""The operator's work: the queue, opening a chat, taking, replying, transferring, closing."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.attachments import AttachmentTooLarge, AttachmentUnavailable
from bot.keys import ATTACHMENTS, SETTINGS
from handoff.api.routing import ApiError, Call, FileBody, NoInput, RouteTable
from handoff.api.schemas import CloseInput, ReplyInput, TransferInput
from handoff.audit import record_audit
from handoff.console.texts import console_text
from handoff.desk.attachments import chat_attachment, file_response
from handoff.desk.views import (
    ChatDetail,
    ChatSummary,
    Line,
    QueueView,
    chat_detail,
    chat_summary,
    line_view,
    queue_view,
)
from handoff.keys import HANDOFF
from handoff.models import HandoffChat, Operator, Role
from handoff.operators.permissions import may_open

log = logging.getLogger(__name__)
routes = RouteTable()


async def openable_chat(session: AsyncSession, operator: Operator, chat_id: int) -> HandoffChat:
    """The chat if it exists and the operator may see it; 404 / 403 otherwise."""
    chat = await session.get(HandoffChat, chat_id)
    if chat is None:
        raise ApiError(404, console_text("not_found"))
    if not await may_open(session, operator, chat):
        raise ApiError(403, console_text("chat_not_yours"))
    return chat


@routes.route(
    "GET",
    "/api/queue",
    summary="Waiting chats of my groups (all groups for supervisors), oldest first, and mine",
    role=Role.OPERATOR,
    input=NoInput,
    response=QueueView,
)
async def get_queue(call: Call[NoInput]) -> QueueView:
    """The queue as this operator sees it."""
    return await queue_view(call.db, call.operator, call.now)


@routes.route(
    "GET",
    "/api/chats/{id}",
    summary="Open a chat: transcript and the bound citizen's profile (audited)",
    role=Role.OPERATOR,
    input=NoInput,
    response=ChatDetail,
    errors=(404,),
)
async def open_chat(call: Call[NoInput]) -> ChatDetail:
    """Reading a conversation is an access to personal data: it goes to the audit log."""
    chat = await openable_chat(call.db, call.operator, call.path_int("id"))
    await record_audit(call.db, call.operator.id, "open", chat_id=chat.id)
    return await chat_detail(call.db, chat, call.now)


@routes.route(
    "GET",
    "/api/chats/{id}/attachments/{line_id}",
    summary="A file the citizen sent in this chat, fetched from their messenger (audited)",
    role=Role.OPERATOR,
    input=NoInput,
    response=FileBody,
    errors=(404, 413, 502),
)
async def open_attachment(call: Call[NoInput]) -> web.Response:
    """The app keeps no copy: the citizen's messenger gives the file each time it is opened.

    The fetch runs before the audit entry is written, so no write lock waits on the messenger.
    """
    chat = await openable_chat(call.db, call.operator, call.path_int("id"))
    line_id = call.path_int("line_id")
    attachment = await chat_attachment(call.db, chat, line_id)
    if attachment is None:
        raise ApiError(404, console_text("not_found"))
    fetcher = call.request.app[ATTACHMENTS].get(chat.channel)
    if fetcher is None:
        log.warning("no attachment fetcher", extra={"channel": chat.channel, "chat_id": chat.id})
        raise ApiError(502, console_text("attachment_unavailable"))
    try:
        file = await fetcher.fetch(attachment, call.request.app[SETTINGS].attachment_max_bytes)
    except AttachmentTooLarge as exc:
        raise ApiError(413, console_text("attachment_too_large")) from exc
    except AttachmentUnavailable as exc:
        log.warning(
            "attachment not fetched",
            extra={"channel": chat.channel, "chat_id": chat.id, "reason": str(exc)},
        )
        raise ApiError(502, console_text("attachment_unavailable")) from exc
    await record_audit(
        call.db,
        call.operator.id,
        "attachment",
        chat_id=chat.id,
        detail={"line_id": line_id, "kind": attachment.kind},
    )
    return file_response(file)


@routes.route(
    "POST",
    "/api/chats/next",
    summary="Take the oldest waiting chat of my groups; 204 when none waits",
    role=Role.OPERATOR,
    input=NoInput,
    response=ChatDetail,
    errors=(409,),
)
async def take_next(call: Call[NoInput]) -> ChatDetail | None:
    """The service picks and takes; the taken chat comes back opened."""
    chat = await call.request.app[HANDOFF].desk.take_next(call.db, call.operator)
    if chat is None:
        return None
    await record_audit(call.db, call.operator.id, "open", chat_id=chat.id)
    return await chat_detail(call.db, chat, call.now)


@routes.route(
    "POST",
    "/api/chats/{id}/take",
    summary="Take a waiting chat; 409 when someone else was quicker",
    role=Role.OPERATOR,
    input=NoInput,
    response=ChatDetail,
    errors=(404, 409),
)
async def take(call: Call[NoInput]) -> ChatDetail:
    """Exactly one of two concurrent takers wins (a conditional UPDATE in the service)."""
    chat = await call.request.app[HANDOFF].desk.take(call.db, call.operator, call.path_int("id"))
    await record_audit(call.db, call.operator.id, "open", chat_id=chat.id)
    return await chat_detail(call.db, chat, call.now)


@routes.route(
    "POST",
    "/api/chats/{id}/messages",
    summary="Reply to the citizen in my chat",
    role=Role.OPERATOR,
    input=ReplyInput,
    response=Line,
    errors=(404, 409),
)
async def reply(call: Call[ReplyInput]) -> Line:
    """The reply goes to the transcript and the citizen's channel (through the outbox)."""
    entry = await call.request.app[HANDOFF].desk.reply(
        call.db, call.operator, call.path_int("id"), call.data.text
    )
    return line_view(entry)


@routes.route(
    "POST",
    "/api/chats/{id}/transfer",
    summary="Transfer my chat to another group (back to its queue) or to a named operator",
    role=Role.OPERATOR,
    input=TransferInput,
    response=ChatSummary,
    errors=(404, 409),
)
async def transfer(call: Call[TransferInput]) -> ChatSummary:
    """The note stays in the transcript (system line) and the audit log."""
    chat_id = call.path_int("id")
    await call.request.app[HANDOFF].desk.transfer(
        call.db,
        call.operator,
        chat_id,
        group_code=call.data.group_code,
        operator_id=call.data.operator_id,
        note=call.data.note,
    )
    chat = await call.db.get(HandoffChat, chat_id, populate_existing=True)
    if chat is None:
        raise ApiError(404, console_text("not_found"))
    return await chat_summary(call.db, chat, call.now)


@routes.route(
    "POST",
    "/api/chats/{id}/close",
    summary="Close my chat with a resolution; the bot resumes and asks for a rating",
    role=Role.OPERATOR,
    input=CloseInput,
    response=ChatSummary,
    errors=(404, 409),
)
async def close(call: Call[CloseInput]) -> ChatSummary:
    """Close through the service."""
    chat = await call.request.app[HANDOFF].desk.close(
        call.db, call.operator, call.path_int("id"), call.data.resolution
    )
    return await chat_summary(call.db, chat, call.now)
