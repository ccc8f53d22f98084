"""Guests as GraphQL shows them, to those who manage the meeting only."""

from __future__ import annotations

from datetime import datetime

import strawberry

from meetings.guests.models import Guest as GuestRow
from tenants.graphql.types import Person, person_from


@strawberry.type(description="Someone without an account invited to a class (or a series).")
class Guest:
    id: strawberry.ID
    name: str
    email: str
    whole_series: bool = strawberry.field(
        description="Invited to every session of the series, not to this one only."
    )
    invited_at: datetime
    invited_by: Person | None
    revoked_at: datetime | None
    zoom_registration: str | None = strawberry.field(
        description="The guest's registration at Zoom for this session: registered, failed or"
        " cancelled; null while not yet asked."
    )


def guest_from(row: GuestRow, *, zoom_registration: str | None = None) -> Guest:
    return Guest(
        id=strawberry.ID(str(row.pk)),
        name=row.name,
        email=row.email,
        whole_series=row.series_id is not None,
        invited_at=row.invited_at,
        invited_by=person_from(row.invited_by) if row.invited_by is not None else None,
        revoked_at=row.revoked_at,
        zoom_registration=zoom_registration,
    )
