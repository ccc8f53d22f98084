"""A DataExport row as GraphQL shows it."""

from __future__ import annotations

import strawberry
from django.urls import reverse

from attendance.graphql import types as t
from tenants.lifecycle.models import DataExport


def export_from(export: DataExport) -> t.DataExport:
    ready = export.status == DataExport.Status.READY
    return t.DataExport(
        id=strawberry.ID(str(export.pk)),
        person_id=strawberry.ID(str(export.person_id)),
        status=t.DataExportStatus(export.status),
        created_at=export.created_at,
        expires_at=export.expires_at,
        download_url=reverse("data_export_download", args=[export.pk]) if ready else None,
    )
