from __future__ import annotations

import strawberry
from strawberry.types import Info

from tenants.graphql.context import client_ip, require_admin
from tenants.graphql.errors import FieldError, error_code, typed_errors
from tenants.ids import pk_or_zero
from tenants.mail.graphql import types as t
from tenants.mail.services import MailNotFound, mail_retry

error_code(MailNotFound, "not_found")


@strawberry.type
class MailRetryPayload:
    mail: t.Mail | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class MailMutation:
    @strawberry.mutation(description="Send a failed mail again (admins).")
    @typed_errors(MailRetryPayload)
    def mail_retry(self, info: Info, id: strawberry.ID) -> MailRetryPayload:
        admin = require_admin(info)
        row = mail_retry(mail_id=pk_or_zero(id), actor=admin, ip=client_ip(info))
        return MailRetryPayload(mail=t.mail_from(row), errors=[])
