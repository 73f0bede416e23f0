"""Forget-me from the console: a citizen who asks by phone has their chat erased (audited)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from bot.keys import SETTINGS
from bot.retention.forget import conversation_ref, request_erasure
from handoff.api.routing import Call, NoInput, RouteTable
from handoff.audit import record_audit
from handoff.models import Role
from handoff.routes.chats import openable_chat

routes = RouteTable()


class ErasureView(BaseModel):
    """The erasure is scheduled: the app erases the chat once its last replies are out."""

    status: Literal["scheduled", "already_scheduled"]


@routes.route(
    "POST",
    "/api/chats/{id}/forget",
    summary="Erase this chat's data (right to be forgotten): binding, subscriptions, consent, "
    "transcript, messages and the bot's history; the audit log keeps only that it happened",
    role=Role.OPERATOR,
    input=NoInput,
    response=ErasureView,
    status=202,
    errors=(403, 404),
)
async def forget_chat(call: Call[NoInput]) -> ErasureView:
    """The same erasure a citizen's confirmed «удалите мои данные» starts, requested by the
    operator; the request is audited now, the erasure itself when it is done."""
    chat = await openable_chat(call.db, call.operator, call.path_int("id"))
    conversation_id = chat.conversation_id
    added = await request_erasure(call.db, conversation_id, f"operator:{call.operator.id}")
    secret = call.request.app[SETTINGS].session_secret.get_secret_value()
    await record_audit(
        call.db,
        call.operator.id,
        "forget_requested",
        detail={"conversation": conversation_ref(secret, conversation_id)},
    )
    return ErasureView(status="scheduled" if added else "already_scheduled")
