from __future__ import annotations

import strawberry

from meetings.joining.models import JoinPolicy as JoinPolicyRow


@strawberry.type
class JoinPolicy:
    """When personal join links work: from this long before a class starts until this long
    after it ends (or while Zoom says it is running)."""

    opens_minutes_before: int
    closes_minutes_after_end: int


def join_policy_from(row: JoinPolicyRow) -> JoinPolicy:
    return JoinPolicy(
        opens_minutes_before=row.opens_minutes_before,
        closes_minutes_after_end=row.closes_minutes_after_end,
    )
