"""The Honcho API contracts this project carries, one per Honcho version, and what each
version does that its contract cannot say. A data package: the mock (`mockserver`) and the
tester (`conformance`) both read it and never each other; it reads neither.

    import honcho_contracts
    honcho_contracts.versions()                 # every version, oldest first
    version = honcho_contracts.get("3.0.7")     # UnknownVersion lists the known ones
    version.document()                          # its whole OpenAPI document (a fresh copy)
    version.behaviour.webhook_refuses_internal_ip   # False: its behaviour switches

docs/versions.md says what each version is and how to add the next one.
"""

from honcho_contracts.behaviour import Behaviour, BehaviourError
from honcho_contracts.overlay import OverlayError, apply_overlay
from honcho_contracts.versions import (
    DEFAULT_VERSION,
    ApiVersion,
    UnknownVersion,
    default,
    get,
    order_key,
    served_versions,
    versions,
)

__all__ = ["DEFAULT_VERSION", "ApiVersion", "Behaviour", "BehaviourError", "OverlayError", "UnknownVersion",
           "apply_overlay", "default", "get", "order_key", "served_versions", "versions"]
