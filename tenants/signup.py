"""How often one client may create schools: every sign-up is a new schema, so an unthrottled
page let one client make ten in four seconds. Counted per client address, atomically, in the
same Redis counters as sign-in."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from tenants.accounts.throttle import Limit, throttle, try_again_in
from tenants.audit.services import ip_hash


def _limit() -> Limit:
    # The window's own end is the lockout: one sign-up more than allowed waits out the hour.
    return Limit("signup.ip", settings.LIVEROLL_SIGNUPS_PER_IP_PER_HOUR + 1, 3600, 3600)


def signup_attempt(*, ip: str | None) -> str | None:
    """Count one sign-up from `ip`. None when it may go ahead, else why not (for people)."""
    hit = throttle().hit(_limit(), ip_hash(ip) or "unknown")
    if hit.locked_for <= 0:
        return None
    return _("Too many schools were created from your address. %(again)s") % {
        "again": try_again_in(hit.locked_for)
    }
