"""Importing this package registers every operation handler."""

from mockserver.handlers import (  # noqa: F401
    context,
    core,
    keys,
    memory,
    queue,
    scopes,
    search,
    uploads,
    webhooks,
)
