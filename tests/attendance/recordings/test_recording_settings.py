"""The school's recording settings over GraphQL: admins only, each school its own; the
summariser's key write-only (never returned, sealed at rest, null keeps, "" removes, a new
endpoint needs it again); typed errors per field; audited by field name, never by value; and
the summariser's test, which says what the endpoint answered."""

import json

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from attendance.recordings.models import RETENTION_DAYS_MAX, RecordingSettings
from tenants.audit.models import AuditEntry
from tenants.models import Organisation

from .summary_support import recording_settings_set

pytestmark = pytest.mark.django_db

READ = """{ recordingSettings { studentsMayView parentsMayView retentionDays retentionDaysMin
  retentionDaysMax summaryEndpoint summaryModel summaryKeySet } }"""
UPDATE = """mutation($input: RecordingSettingsInput!) { updateRecordingSettings(input: $input) {
  ok errors { field message code }
  settings { studentsMayView parentsMayView retentionDays summaryEndpoint summaryModel summaryKeySet } } }"""
TEST = """mutation { testSummariser { result { ok outcome message answer actionItems status testedAt }
  errors { code message } } }"""
KEY = "sk-live-THE-SECRET-KEY-123"
ENDPOINT = "https://llm.test/v1"
VALID = {
    "studentsMayView": True,
    "parentsMayView": False,
    "retentionDays": 365,
    "summaryEndpoint": ENDPOINT,
    "summaryModel": "gpt-test",
    "summaryApiKey": KEY,
}


def gql(world, role, query, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def update(world, **changes):
    return gql(world, "admin", UPDATE, input={**VALID, **changes})["data"][
        "updateRecordingSettings"
    ]


def test_a_school_without_settings_reads_the_defaults(alpha):
    assert gql(alpha, "admin", READ)["data"]["recordingSettings"] == {
        "studentsMayView": False,
        "parentsMayView": False,
        "retentionDays": None,
        "retentionDaysMin": 1,
        "retentionDaysMax": RETENTION_DAYS_MAX,
        "summaryEndpoint": "",
        "summaryModel": "",
        "summaryKeySet": False,
    }


def test_an_admin_saves_them_and_the_key_is_never_returned(alpha):
    data = update(alpha)

    assert data["ok"] is True and data["errors"] == []
    expected = {
        "studentsMayView": True,
        "parentsMayView": False,
        "retentionDays": 365,
        "summaryEndpoint": ENDPOINT,
        "summaryModel": "gpt-test",
        "summaryKeySet": True,
    }
    assert data["settings"] == expected
    read = gql(alpha, "admin", READ)
    assert {k: v for k, v in read["data"]["recordingSettings"].items() if k in expected} == expected
    assert KEY not in json.dumps(read) and KEY not in json.dumps(data)


def test_the_key_is_sealed_at_rest(alpha):
    update(alpha)

    with schema_context(alpha.schema), connection.cursor() as cursor:
        cursor.execute("SELECT summary_api_key FROM attendance_recordingsettings")
        (raw,) = cursor.fetchone()
        stored = RecordingSettings.objects.get()
    assert KEY not in raw and "THE-SECRET" not in raw
    assert stored.summary_api_key == KEY  # and opens again


def test_null_keeps_the_key_and_empty_removes_it(alpha):
    update(alpha)

    kept = update(alpha, summaryApiKey=None, parentsMayView=True)
    with schema_context(alpha.schema):
        assert RecordingSettings.objects.get().summary_api_key == KEY
    removed = update(alpha, summaryApiKey="")

    assert kept["settings"]["summaryKeySet"] is True and kept["settings"]["parentsMayView"] is True
    assert removed["settings"]["summaryKeySet"] is False
    with schema_context(alpha.schema):
        assert RecordingSettings.objects.get().summary_api_key == ""


def test_a_new_endpoint_needs_the_key_again(alpha):
    update(alpha)

    moved = update(alpha, summaryEndpoint="https://other-llm.test/v1", summaryApiKey=None)

    assert moved["ok"] is False
    assert [(e["field"], e["code"]) for e in moved["errors"]] == [("summaryApiKey", "required")]
    with schema_context(alpha.schema):
        assert RecordingSettings.objects.get().summary_endpoint == ENDPOINT


def test_clearing_the_endpoint_clears_the_key(alpha):
    update(alpha)

    data = update(alpha, summaryEndpoint="", summaryModel="", summaryApiKey=None)

    assert data["ok"] and data["settings"]["summaryKeySet"] is False
    with schema_context(alpha.schema):
        assert RecordingSettings.objects.get().summary_api_key == ""


def test_a_pasted_chat_completions_url_is_cut_back_to_the_base(alpha):
    data = update(alpha, summaryEndpoint="https://LLM.test:443/v1/chat/completions/")

    assert data["settings"]["summaryEndpoint"] == ENDPOINT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"retentionDays": 0}, "retentionDays"),
        ({"retentionDays": RETENTION_DAYS_MAX + 1}, "retentionDays"),
        ({"retentionDays": -5}, "retentionDays"),
        ({"summaryEndpoint": "http://llm.test/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "ftp://llm.test/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "not a url"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://user@llm.test/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://llm.test/v1?x=1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://169.254.169.254/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://10.0.0.8/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://[::1]/v1"}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://llm.test/" + "v" * 500}, "summaryEndpoint"),
        ({"summaryEndpoint": "https://llm.test/v1\x00"}, "summaryEndpoint"),
        ({"summaryModel": ""}, "summaryModel"),
        ({"summaryModel": "m" * 101}, "summaryModel"),
        ({"summaryApiKey": "k" * 501}, "summaryApiKey"),
        (
            {"summaryEndpoint": "", "summaryModel": "", "summaryApiKey": "sk-orphan"},
            "summaryApiKey",
        ),
    ],
)
def test_bad_settings_are_field_errors_and_change_nothing(alpha, changes, field):
    data = update(alpha, **changes)

    assert data["ok"] is False and data["settings"] is None
    assert [e["field"] for e in data["errors"]] == [field]
    with schema_context(alpha.schema):
        assert not RecordingSettings.objects.exists()


def test_in_debug_a_plain_http_endpoint_is_allowed(alpha, settings):
    settings.DEBUG = True

    data = update(alpha, summaryEndpoint="http://localhost:11434/v1")

    assert data["ok"] and data["settings"]["summaryEndpoint"] == "http://localhost:11434/v1"


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_read_or_change_them(alpha, role):
    read = gql(alpha, role, READ)
    changed = gql(alpha, role, UPDATE, input=VALID)
    tested = gql(alpha, role, TEST)

    for body in (read, changed, tested):
        assert [e["message"] for e in body["errors"]] == ["Only school admins can do that."]
    with schema_context(alpha.schema):
        assert not RecordingSettings.objects.exists()


def test_each_school_its_own(alpha, beta):
    update(alpha)

    assert gql(beta, "admin", READ)["data"]["recordingSettings"]["summaryKeySet"] is False
    # beta's admin signed in on alpha's host is nobody there
    client = Client(HTTP_HOST=alpha.host)
    with schema_context(beta.schema):
        client.force_login(beta.users["admin"])
    response = client.post(
        "/graphql/",
        {"query": UPDATE, "variables": {"input": {**VALID, "retentionDays": 7}}},
        content_type="application/json",
    )
    assert [e["message"] for e in response.json()["errors"]] == ["Sign in first."]
    with schema_context(alpha.schema):
        assert RecordingSettings.objects.get().retention_days == 365
    with schema_context(beta.schema):
        assert not RecordingSettings.objects.exists()


def test_changes_are_audited_by_name_never_by_value(alpha):
    update(alpha)
    update(alpha, summaryApiKey=None)  # nothing changed: no entry
    update(alpha, summaryApiKey="", studentsMayView=False)

    with schema_context(alpha.schema):
        entries = list(
            AuditEntry.objects.filter(action="recording_settings.changed").order_by("pk")
        )
    assert [e.details for e in entries] == [
        {
            "changed": [
                "students_may_view",
                "retention_days",
                "summary_endpoint",
                "summary_model",
                "summary_api_key",
            ],
            "summary_api_key": "set",
        },
        {"changed": ["students_may_view", "summary_api_key"], "summary_api_key": "removed"},
    ]
    assert all(e.actor == alpha.users["admin"] for e in entries)
    assert KEY not in json.dumps([e.details for e in entries])


def test_pointing_the_server_at_a_new_endpoint_waits_for_a_confirmed_email(alpha):
    Organisation.objects.filter(pk=alpha.org.pk).update(admin_email_confirmed_at=None)
    try:
        data = update(alpha)
        allowed = update(alpha, summaryEndpoint="", summaryModel="", summaryApiKey=None)
    finally:
        Organisation.objects.filter(pk=alpha.org.pk).update(
            admin_email_confirmed_at=alpha.org.admin_email_confirmed_at
        )

    assert [e["code"] for e in data["errors"]] == ["email_not_confirmed"]
    assert allowed["ok"] is True  # the rest of the settings do not wait


# --- testing the summariser ------------------------------------------------------------------


def test_the_summariser_test_shows_what_the_model_wrote(alpha, requests_mock):
    update(alpha)
    content = json.dumps(
        {
            "summary": "Plants make food from light.",
            "action_items": [
                {"text": "Finish exercise 3 by Friday.", "speaker": "Teacher", "start_seconds": 20}
            ],
        }
    )
    requests_mock.post(
        f"{ENDPOINT}/chat/completions", json={"choices": [{"message": {"content": content}}]}
    )

    result = gql(alpha, "admin", TEST)["data"]["testSummariser"]["result"]

    assert (result["ok"], result["outcome"], result["answer"], result["actionItems"]) == (
        True,
        "ok",
        "Plants make food from light.",
        1,
    )
    sent = requests_mock.last_request
    assert sent.headers["Authorization"] == f"Bearer {KEY}" and sent.json()["model"] == "gpt-test"
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="recording_settings.summariser_tested")
    assert entry.details == {"outcome": "ok", "status": None}


@pytest.mark.parametrize(
    ("mocked", "outcome", "status"),
    [
        ({"status_code": 401, "text": "Incorrect API key provided: sk-li****"}, "http", 401),
        ({"status_code": 200, "text": "<html>secret intranet page</html>"}, "answer", 200),
        (
            {"status_code": 200, "json": {"choices": [{"message": {"content": "no json here"}}]}},
            "answer",
            200,
        ),
    ],
)
def test_a_failing_summariser_test_says_why_in_our_words(
    alpha, requests_mock, mocked, outcome, status
):
    update(alpha)
    requests_mock.post(f"{ENDPOINT}/chat/completions", **mocked)

    result = gql(alpha, "admin", TEST)["data"]["testSummariser"]["result"]

    assert (result["ok"], result["outcome"], result["status"]) == (False, outcome, status)
    assert result["answer"] == ""
    # what the endpoint said is never echoed
    assert "intranet" not in result["message"] and "Incorrect" not in result["message"]


def test_without_an_endpoint_there_is_nothing_to_test(alpha, requests_mock):
    result = gql(alpha, "admin", TEST)["data"]["testSummariser"]["result"]

    assert (result["ok"], result["outcome"]) == (False, "not_configured")
    assert requests_mock.call_count == 0


def test_the_summariser_test_refuses_a_private_address(alpha, settings):
    with schema_context(alpha.schema):
        recording_settings_set(summary_endpoint="https://localhost:9/v1", summary_model="m")
    settings.LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = []

    result = gql(alpha, "admin", TEST)["data"]["testSummariser"]["result"]

    assert (result["ok"], result["outcome"]) == (False, "refused")
