"""importPeople and peopleImport: school admins only, each school's imports its own; a dry run
answers at once, an import is a job for a worker; a file of 10,000 rows fits the request
limits of this field (and only this one)."""

import dramatiq
import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.people_import import actors, selectors
from tenants.people_import.models import PeopleImport
from tenants.people_import.services import people_import_run

pytestmark = pytest.mark.django_db

HEADER = "email,name,role,classes,parent_emails\n"
IMPORT = """mutation($csv: String!, $dryRun: Boolean!, $invite: Boolean) {
  importPeople(csv: $csv, dryRun: $dryRun, sendInvitations: $invite) {
    report { total created updated unchanged rejected errorCount errors { line column message } }
    job { id status total processed sendInvitations }
    errors { field message code }
  }
}"""
JOB = """query($id: ID!) {
  peopleImport(id: $id) {
    id status total processed created updated unchanged rejected invited errorCount
    errors { line column message } failure
  }
}"""


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def sent(monkeypatch):
    """The job ids handed to the worker (the message itself is the tasking layer's)."""
    ids: list[int] = []
    monkeypatch.setattr(actors.people_import_run_job, "send", ids.append)
    return ids


def test_a_dry_run_answers_with_the_report_and_writes_nothing(alpha):
    text = HEADER + "new@alpha.test,New,student,,\nbad,B,student,,\n"

    data = gql(alpha, "admin", IMPORT, csv=text, dryRun=True)["data"]["importPeople"]

    assert data["job"] is None and data["errors"] == []
    assert data["report"] == {
        "total": 2,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "errorCount": 1,
        "errors": [
            {"line": 3, "column": "email", "message": "“bad” is not a valid email address."}
        ],
    }
    with schema_context(alpha.schema):
        assert not User.objects.filter(email="new@alpha.test").exists()
        assert not PeopleImport.objects.exists()


def test_an_import_is_queued_then_followed_to_the_end(
    alpha, sent, django_capture_on_commit_callbacks
):
    text = HEADER + "new@alpha.test,New,student,,\n"

    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha, "admin", IMPORT, csv=text, dryRun=False, invite=False)
    job = data["data"]["importPeople"]["job"]
    queued = gql(alpha, "admin", JOB, id=job["id"])["data"]["peopleImport"]
    with schema_context(alpha.schema):
        people_import_run(import_id=int(job["id"]))
    done = gql(alpha, "admin", JOB, id=job["id"])["data"]["peopleImport"]

    assert sent == [int(job["id"])]
    assert job["status"] == "QUEUED" and queued["status"] == "QUEUED"
    assert done["status"] == "DONE" and done["processed"] == done["total"] == 1
    assert (done["created"], done["updated"], done["rejected"], done["errors"]) == (1, 0, 0, [])
    with schema_context(alpha.schema):
        assert User.objects.filter(email="new@alpha.test", name="New").exists()


@pytest.mark.parametrize("role", ["teacher", "student", "parent", None])
def test_only_admins_import_or_read_imports(alpha, role, sent):
    with schema_context(alpha.schema):
        job = PeopleImport.objects.create(csv_text=HEADER)

    for dry_run in (True, False):
        body = gql(alpha, role, IMPORT, csv=HEADER + "x@alpha.test,X,student,,\n", dryRun=dry_run)
        assert body["data"] is None and body["errors"]
    body = gql(alpha, role, JOB, id=str(job.pk))
    assert body["data"] == {"peopleImport": None} and body["errors"]

    assert sent == []
    with schema_context(alpha.schema):
        assert PeopleImport.objects.count() == 1
        assert not User.objects.filter(email="x@alpha.test").exists()


def test_another_schools_import_is_not_found(alpha, beta):
    with schema_context(alpha.schema):
        job = PeopleImport.objects.create(csv_text=HEADER + "secret@alpha.test,S,student,,\n")
    with schema_context(beta.schema):
        # ids are per school: make sure beta has no import of the same id
        PeopleImport.objects.filter(pk=job.pk).delete()

    seen_by_beta = gql(beta, "admin", JOB, id=str(job.pk))
    seen_by_alpha = gql(alpha, "admin", JOB, id=str(job.pk))["data"]["peopleImport"]
    garbage = gql(alpha, "admin", JOB, id="abc")["data"]["peopleImport"]

    assert seen_by_beta == {"data": {"peopleImport": None}}
    assert seen_by_alpha["id"] == str(job.pk) and garbage is None


def test_a_file_of_10000_rows_fits_the_request_but_other_fields_keep_their_limit(alpha, sent):
    text = HEADER + "".join(f"s{n:05}@alpha.test,Student {n},student,,\n" for n in range(10_000))
    assert len(text) > 300_000

    data = gql(alpha, "admin", IMPORT, csv=text, dryRun=True)["data"]["importPeople"]
    too_big = gql(alpha, "admin", IMPORT, csv="x" * 2_000_001, dryRun=True)
    other = gql(
        alpha,
        "admin",
        "mutation($name: String!, $id: ID!) { importPeople(csv: $name, dryRun: true) "
        "{ errors { code } } mailRetry(id: $id) { errors { code } } }",
        name="y" * 30_000,
        id="1",
    )

    assert data["report"]["created"] == 10_000 and data["report"]["errorCount"] == 0
    assert (
        too_big["data"] is None and "at most 2000000 characters" in too_big["errors"][0]["message"]
    )
    assert other["data"] is None and "at most 20000 characters" in other["errors"][0]["message"]


def test_the_service_refuses_a_file_too_large_with_a_typed_error(alpha, monkeypatch, sent):
    monkeypatch.setattr(selectors, "MAX_BYTES", 100)
    # 90 characters, but more than 100 bytes in UTF-8
    body = gql(alpha, "admin", IMPORT, csv=HEADER + "ন" * 50, dryRun=False)

    assert body["data"]["importPeople"]["errors"] == [
        {
            "field": "csv",
            "message": "The file is too large: at most 100 bytes.",
            "code": "too_long",
        }
    ]
    assert sent == []


def test_the_actor_runs_in_the_school_its_message_carries(alpha):
    with schema_context(alpha.schema):
        job = PeopleImport.objects.create(csv_text=HEADER + "via.actor@alpha.test,V,student,,\n")
        actors.people_import_run_job.fn(job.pk)
        job.refresh_from_db()
        assert job.status == "done" and User.objects.filter(email="via.actor@alpha.test").exists()
    assert actors.people_import_run_job.options["tenancy"] == "tenant"


def test_the_message_carries_the_school_it_was_sent_in(alpha, beta):
    broker = dramatiq.get_broker()

    with schema_context(alpha.schema):
        from_alpha = actors.people_import_run_job.send(1)
    with schema_context(beta.schema):
        from_beta = actors.people_import_run_job.send(1)
    broker.flush_all()

    assert from_alpha.options["tenant_schema"] == alpha.schema
    assert from_beta.options["tenant_schema"] == beta.schema
