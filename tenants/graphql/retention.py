"""The retention policy as GraphQL shows it."""

from django.conf import settings

from tenants.graphql import types as t
from tenants.lifecycle.models import AUDIT_DAYS_MAX, AUDIT_DAYS_MIN
from tenants.lifecycle.services import retention_audit_days


def retention_policy_out() -> t.RetentionPolicy:
    return t.RetentionPolicy(
        audit_days=retention_audit_days(),
        audit_days_min=AUDIT_DAYS_MIN,
        audit_days_max=AUDIT_DAYS_MAX,
        zoom_link_days=int(settings.LIVEROLL_ZOOM_URL_RETENTION_DAYS),
    )
