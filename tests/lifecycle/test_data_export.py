"""A person, or an admin for them, gets everything the school holds about them as JSON, built
by a background job, downloadable by them or an admin only, until it expires."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from attendance.people import data_export_build
from tenants.lifecycle.models import DataExport
from tenants.lifecycle.services import exports_expire
from tenants.mail.services import mail_queue

from ..graphql.conftest import GQL

MINE = "mutation { requestMyExport { export { id status downloadUrl } errors { code } } }"
FOR = """mutation($id: ID!) {
  requestExportFor(personId: $id) { export { id personId status } errors { code } }
}"""
STATUS = "query($id: ID!) { export(id: $id) { id status downloadUrl expiresAt } }"


def _built(world, export_id: str) -> None:
    with schema_context(world.schema):
        data_export_build(export_id=int(export_id))


def test_a_student_exports_their_own_data_and_downloads_it(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        mail_queue(
            key="t1",
            to="student@alpha.test",
            template="guest_revoked",
            context={"guest_name": "S", "title": "Maths"},
            user=alpha.users["student"],
        )
    student = GQL(alpha, "student")

    with django_capture_on_commit_callbacks() as callbacks:
        asked = student.ok(MINE)["requestMyExport"]
    assert callbacks, "the build is queued after commit"
    assert asked["export"]["status"] == "PENDING" and asked["export"]["downloadUrl"] is None
    _built(alpha, asked["export"]["id"])
    ready = student.ok(STATUS, id=asked["export"]["id"])["export"]
    assert ready["status"] == "READY"

    response = alpha.client("student").get(ready["downloadUrl"])

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    document = json.loads(response.content)
    assert document["profile"]["email"] == "student@alpha.test"
    assert [c["name"] for c in document["classes"]] == ["Alpha School maths"]
    assert document["enrolments"] and document["parent_links"]
    assert any(m["to"] == "student@alpha.test" for m in document["mails"])
    assert any(e["action"] == "person.export.requested" for e in document["audit_entries"])
    assert "zoom.test" not in response.content.decode()  # no Zoom links, ever


@pytest.mark.parametrize("role", ["teacher", "parent", "student"])
def test_only_the_person_and_admins_see_or_download_an_export(alpha, role):
    asked = GQL(alpha, "admin").ok(FOR, id=str(alpha.users["admin"].pk))["requestExportFor"]
    export_id = asked["export"]["id"]
    _built(alpha, export_id)

    assert GQL(alpha, role).ok(STATUS, id=export_id)["export"] is None
    assert alpha.client(role).get(f"/exports/{export_id}/download/").status_code == 404
    assert alpha.client().get(f"/exports/{export_id}/download/").status_code == 404
    assert alpha.client("admin").get(f"/exports/{export_id}/download/").status_code == 200


@pytest.mark.parametrize("role", ["teacher", "parent", "student"])
def test_only_admins_export_someone_else(alpha, role):
    body = GQL(alpha, role)(FOR, id=str(alpha.users["student"].pk))

    assert body.get("errors") or body["data"]["requestExportFor"]["export"] is None
    with schema_context(alpha.schema):
        assert not DataExport.objects.exists()


def test_another_school_cannot_see_or_download_an_export(alpha, beta):
    asked = GQL(alpha, "student").ok(MINE)["requestMyExport"]
    export_id = asked["export"]["id"]
    _built(alpha, export_id)

    assert GQL(beta, "admin").ok(STATUS, id=export_id)["export"] is None
    assert beta.client("admin").get(f"/exports/{export_id}/download/").status_code == 404
    unknown = GQL(beta, "admin").ok(FOR, id="999999")["requestExportFor"]
    assert unknown["errors"] == [{"code": "not_found"}]


def test_an_export_expires_and_its_content_is_deleted(alpha):
    asked = GQL(alpha, "student").ok(MINE)["requestMyExport"]
    export_id = asked["export"]["id"]
    _built(alpha, export_id)
    with schema_context(alpha.schema):
        assert exports_expire(now=timezone.now()) == 0
        assert exports_expire(now=timezone.now() + timedelta(hours=73)) == 1
        row = DataExport.objects.get(pk=export_id)
        assert (row.status, row.content) == ("expired", "")

    assert alpha.client("student").get(f"/exports/{export_id}/download/").status_code == 404


def test_building_twice_changes_nothing(alpha):
    export_id = GQL(alpha, "student").ok(MINE)["requestMyExport"]["export"]["id"]
    _built(alpha, export_id)
    with schema_context(alpha.schema):
        first = DataExport.objects.get(pk=export_id).content

        assert data_export_build(export_id=int(export_id)) is None
        assert DataExport.objects.get(pk=export_id).content == first
