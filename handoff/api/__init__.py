"""The console's JSON API under `/api/`: route declarations, the request pipeline, OpenAPI.

Route modules (`handoff/routes/`) import the declaration primitives from `handoff.api.routing`;
the app registers the whole API with `setup_console_api`.
"""

from handoff.api.setup import console_api, setup_console_api

__all__ = ["console_api", "setup_console_api"]
