"""Typed application keys of the handoff module."""

from __future__ import annotations

from aiohttp import web

from handoff.service import HandoffService

HANDOFF = web.AppKey("handoff", HandoffService)
