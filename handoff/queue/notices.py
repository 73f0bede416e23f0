"""What the citizen is told about their handoff: place in line, callback number, hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages import Button, OutboundMessage
from bot.texts import text
from handoff.queue.rules import wait_minutes
from workcalendar import DAY_KINDS, MOSCOW, WeekHours

LEAVE_QUEUE_PAYLOAD = "/leave_queue"


def _leave_button() -> tuple[Button, ...]:
    return (Button(title=text("handoff_leave_button"), payload=LEAVE_QUEUE_PAYLOAD),)


def queued(group_title: str, position: int, wait_s: int) -> OutboundMessage:
    """The one message a citizen gets on joining the queue, with the «leave» button."""
    return OutboundMessage(
        text=text("handoff_queued").format(
            group=group_title, position=position, minutes=wait_minutes(wait_s)
        ),
        buttons=_leave_button(),
    )


def queue_update(position: int, wait_s: int) -> OutboundMessage:
    """The place in line improved noticeably."""
    return OutboundMessage(
        text=text("handoff_queue_update").format(position=position, minutes=wait_minutes(wait_s)),
        buttons=_leave_button(),
    )


def still_queued(position: int, wait_s: int) -> OutboundMessage:
    """A second request while already queued: where it stands, instead of queueing twice."""
    return OutboundMessage(
        text=text("handoff_still_queued").format(position=position, minutes=wait_minutes(wait_s)),
        buttons=_leave_button(),
    )


def opens_text(opening: datetime, now: datetime) -> str:
    """«сегодня с 08:00», «завтра с 09:00» or «03.01 с 10:00», Moscow time."""
    local_now = now.astimezone(MOSCOW).date()
    local = opening.astimezone(MOSCOW)
    at = local.strftime("%H:%M")
    if local.date() == local_now:
        return text("handoff_opens_today").format(time=at)
    if local.date() == local_now + timedelta(days=1):
        return text("handoff_opens_tomorrow").format(time=at)
    return text("handoff_opens_on").format(date=local.strftime("%d.%m"), time=at)


def deferred(
    group_title: str, number: str, hours: WeekHours, opening: datetime | None, now: datetime
) -> OutboundMessage:
    """Out of hours: the callback request's number, the group's hours and its next opening."""
    if opening is None:
        return OutboundMessage(
            text=text("handoff_deferred_never").format(group=group_title, number=number)
        )
    by_kind = {}
    for kind in DAY_KINDS:
        day = getattr(hours, kind)
        by_kind[kind] = day.text() if day is not None else text("handoff_day_off")
    return OutboundMessage(
        text=text("handoff_deferred").format(
            group=group_title, number=number, opens=opens_text(opening, now), **by_kind
        )
    )


def still_deferred(number: str, opening: datetime | None, now: datetime) -> OutboundMessage:
    """A second request while a callback request is pending."""
    if opening is None:
        return OutboundMessage(text=text("handoff_still_deferred_never").format(number=number))
    return OutboundMessage(
        text=text("handoff_still_deferred").format(number=number, opens=opens_text(opening, now))
    )


def plain(key: str, **values: str) -> OutboundMessage:
    """A fixed handoff text (assigned, transferred...) by its locale key."""
    return OutboundMessage(text=text(key).format(**values))
