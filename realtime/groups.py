"""Channel-group names.

The channel layer has no tenant isolation of its own, so every group name starts with
`t.<schema>.`; names are built only here. Publishing is realtime.events.publish.
"""

import re

_PART = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
EVENT_HANDLER = "realtime.event"  # the consumer method that receives published events


def group_name(schema_name: str, *parts: str | int) -> str:
    """`t.<schema>.<part>.<part>` — e.g. group_name("demo", "meeting", 12)."""
    pieces = [schema_name, *(str(p) for p in parts)]
    for piece in pieces:
        if not _PART.match(piece):
            raise ValueError(f"invalid channel-group part {piece!r}")
    if not parts:
        raise ValueError("a group needs at least one part after the tenant")
    name = "t." + ".".join(pieces)
    if len(name) >= 100:  # the channel layer's limit
        raise ValueError(f"channel-group name too long: {name!r}")
    return name


def user_group(schema_name: str, user_id: int) -> str:
    return group_name(schema_name, "user", user_id)


def meeting_group(schema_name: str, meeting_id: int) -> str:
    return group_name(schema_name, "meeting", meeting_id)


def live_classes_group(schema_name: str) -> str:
    return group_name(schema_name, "live")
