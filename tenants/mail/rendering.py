"""A mail rendered for its recipient: `templates/mail/<template>.subject.txt`, `.txt` and
`.html`, each extending the mail base (the school's name and the footer), in the recipient's
language and time zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from tenants.accounts.models import User
from tenants.connection import tenant_connection
from tenants.models import Organisation
from tenants.selectors import person_language, person_timezone
from tenants.services import tenant_url


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class School:
    name: str
    url: str


def school_here() -> School:
    """The school whose schema is in use."""
    org = Organisation.objects.get(schema_name=tenant_connection().schema_name)
    return School(name=org.name, url=tenant_url(org.slug))


def recipient_zone(user: User | None) -> ZoneInfo:
    try:
        return ZoneInfo(person_timezone(user=user))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def recipient_language(user: User | None) -> str:
    """Theirs, else the school's default (a mail has no browser to ask)."""
    return person_language(user=user)


def _plain(name: str, context: dict[str, Any]) -> str:
    # Subject and text part are not HTML: nothing in them is escaped.
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(context, autoescape=False)))


def mail_render(
    *, template: str, context: Mapping[str, Any], user: User | None, school: School
) -> RenderedMail:
    with translation.override(recipient_language(user)), timezone.override(recipient_zone(user)):
        values = {
            **context,
            "school_name": school.name,
            "school_url": school.url,
            "recipient": user,
        }
        subject = " ".join(_plain(f"mail/{template}.subject.txt", values).split())
        text = _plain(f"mail/{template}.txt", values).strip() + "\n"
        html = get_template(f"mail/{template}.html").render(values)
    return RenderedMail(subject=subject, text=text, html=html)
