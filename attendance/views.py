"""The download of a person's data export (GraphQL `export(id).downloadUrl`)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from attendance.people import data_export_access
from tenants.audit.services import audit_record, request_ip
from tenants.lifecycle.models import DataExport


@require_GET
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    """The export's JSON, to its person or an admin only, while it has not expired; anyone
    else (another school's people included: the schema is the boundary) gets 404."""
    user = request.user
    export = data_export_access(export_id=export_id, user=user) if user.is_authenticated else None
    if (
        export is None
        or export.status != DataExport.Status.READY
        or (export.expires_at is not None and export.expires_at <= timezone.now())
    ):
        raise Http404("No such export.")
    audit_record(
        actor=user,
        action="person.export.downloaded",
        target_type="accounts.user",
        target_id=export.person_id,
        ip=request_ip(request),
        details={"export": export.pk},
    )
    response = HttpResponse(export.content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="export-{export.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response
