"""Importing this package registers every operation handler."""

from . import core  # noqa: F401
