"""Importing this package registers every operation handler."""

from . import context, core, keys, memory, queue, search, uploads, webhooks  # noqa: F401
