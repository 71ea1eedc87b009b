"""What a rule is handed: one element of the contract in its old and its new version (a `Pair`),
with the area it belongs to and the direction its values travel.

The walk (walk.py) hands each rule only the pairs of the rule's area and direction, so no rule
asks where it is. A rule of both directions reads `writer` and `reader` instead of old and new:
in a request the client writes what the old document allowed and the server reads by the new
one; in a response the server writes by the new one and the client reads by the old. A change
breaks a client when the reader accepts less than the writer may write.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.core.openapi import Contract


class Direction(StrEnum):
    REQUEST = "request"    # what clients send
    RESPONSE = "response"  # what clients read
    BOTH = "both"          # a rule that looks at either (or at an operation as a whole)


class Area(StrEnum):
    """What a pair holds."""

    OPERATION = "operation"  # an operation as a whole (None in the document that lacks it)
    SECURITY = "security"    # an operation's security requirements (its own, else the document's)
    STATUS = "status"        # the statuses an operation declares
    PARAMETER = "parameter"  # one parameter, by location and name (path parameters by position)
    BODY = "body"            # an operation's request body (None where it has none)
    RESPONSE = "response"    # one declared response, by status
    SCHEMA = "schema"        # a schema at one place of a request or a response, `$ref`s and `allOf` flattened


# The directions in which the walk hands over the pairs of each area; a rule's direction must be one
# of them, or `both` where there are two.
AREA_DIRECTIONS: dict[Area, tuple[Direction, ...]] = {
    Area.OPERATION: (Direction.BOTH,),
    Area.SECURITY: (Direction.REQUEST,),
    Area.STATUS: (Direction.RESPONSE,),
    Area.PARAMETER: (Direction.REQUEST,),
    Area.BODY: (Direction.REQUEST,),
    Area.RESPONSE: (Direction.RESPONSE,),
    Area.SCHEMA: (Direction.REQUEST, Direction.RESPONSE),
}


@dataclass(frozen=True)
class Pair:
    """The old and new versions of one element (None: absent in that version), and where it is."""

    area: Area
    direction: Direction
    old: Any
    new: Any
    old_doc: "Contract"
    new_doc: "Contract"
    operation: str = ""  # "POST /v3/..."
    place: str = ""      # "parameter query size", "request body application/json", "response 200 ..."
    pointer: str = ""    # below a schema's place: "items[].level", "<Peer>" for a union's alternative

    @property
    def location(self) -> str:
        return f"{self.place}: {self.pointer}" if self.pointer else self.place

    @property
    def both(self) -> bool:
        """The element is in both versions."""
        return self.old is not None and self.new is not None

    @property
    def writer(self) -> Any:
        """The version whose values are written: the old in a request, the new in a response."""
        return self.written_and_read(self.old, self.new)[0]

    @property
    def reader(self) -> Any:
        """The version by which values are read: the new in a request, the old in a response."""
        return self.written_and_read(self.old, self.new)[1]

    def written_and_read(self, old: Any, new: Any) -> tuple[Any, Any]:
        """Something found in the old and the new version, as (the writer's, the reader's)."""
        return (old, new) if self.direction == Direction.REQUEST else (new, old)

    def below(self, name: str) -> str:
        """The pointer of a property of this schema."""
        return join_pointer(self.pointer, name)


def join_pointer(pointer: str, name: str) -> str:
    return f"{pointer}.{name}" if pointer else name
