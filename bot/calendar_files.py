"""``GET /meetings/{token}.ics``: a booked meeting as a calendar file, for pairs on the local calendar.

The token is the meeting's unguessable link token, so the file needs no sign-in (calendar apps fetch it without
one); anything that is not shaped like a token is refused before the database is asked.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from programme.scheduling import Scheduling

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def calendar_file_endpoint(
    scheduling: Callable[[], Scheduling | None],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def calendar_file(request: web.Request) -> web.Response:
        token = request.match_info.get("token", "")
        use_case = scheduling()
        if use_case is None:
            return web.Response(status=503, text="Starting up; please try again in a moment.")
        text = await use_case.calendar_file(token) if _TOKEN.fullmatch(token) else None
        if text is None:
            return web.Response(status=404, text="There is no meeting at this address any more.")
        return web.Response(
            text=text,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="reverse-mentoring.ics"',
                # A link to someone's meeting: neither shared caches nor the browser's history should keep it.
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return calendar_file
