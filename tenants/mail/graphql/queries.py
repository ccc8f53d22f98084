from __future__ import annotations

import strawberry
from strawberry.types import Info

from tenants.graphql.context import page_limit, require_admin
from tenants.mail.graphql import types as t
from tenants.mail.selectors import mail_outbox


@strawberry.type
class MailQuery:
    @strawberry.field(
        description="The school's outbox, newest first (admins): what was sent, what waits "
        "for a retry and what failed, with the reason."
    )
    def mail_outbox(
        self,
        info: Info,
        status: t.MailStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> t.MailOutboxPage:
        require_admin(info)
        rows = mail_outbox(status=status.value if status else None)
        limit = page_limit(limit)
        start = max(offset, 0)
        return t.MailOutboxPage(
            items=[t.mail_from(row) for row in rows[start : start + limit]],
            total_count=rows.count(),
        )
