"""ZoomProvider: request bodies and URLs Zoom expects, Zoom's JSON (the real samples in
tests/fixtures/zoom/rest/) mapped onto the provider data classes, pagination, transcripts."""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from meetings.providers.base import (
    FileTooLargeError,
    MeetingRequest,
    NotFoundError,
    Occurrence,
    Participant,
    ProviderMeeting,
    ProviderUser,
    ProviderValidationError,
    RegistrantResult,
    TranscriptEntry,
)
from meetings.recurrence import Frequency, RecurrenceRule
from meetings.zoom.client import ZoomClient
from meetings.zoom.provider import ZoomProvider, parse_zoom_datetime

API = "https://api.zoom.us/v2"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "zoom" / "rest"


def load(name: str) -> dict:
    # The documentation's links are on example.com, which the provider drops as not Zoom's
    # (meetings.zoom.links): here they stand for Zoom's own hosts.
    text = (FIXTURES / name).read_text()
    return json.loads(text.replace("https://example.com/", "https://example.zoom.us/"))


MEETING = load("meetings-meetingId_GET__Jericho-ZoomNet.json")
CREATED = load("users-userId-meetings_POST__Jericho-ZoomNet.json")
REGISTRANT = load("meetings-meetingId-registrants_POST__Jericho-ZoomNet.json")
PAST_PARTICIPANTS = load("past_meetings-meetingId-participants_GET__Jericho-ZoomNet.json")
REPORT_PARTICIPANTS = load("report-meetings-meetingId-participants_GET__Jericho-ZoomNet.json")

# Shapes from Zoom's API reference (GET /users/me, GET /meetings/{id}/recordings).
USER_ME = {
    "id": "KDcuGIm1QgePTO8WbOqwIQ",
    "first_name": "Jill",
    "last_name": "Chill",
    "display_name": "Jill Chill",
    "email": "jchill@example.com",
    "type": 1,
    "role_name": "Owner",
    "pmi": 3542471135,
    "timezone": "Asia/Shanghai",
    "account_id": "q6gBJVO5TzexKYTb_I2rpg",
    "status": "active",
}
TRANSCRIPT_URL = "https://us06web.zoom.us/rec/download/transcript-abc.vtt"
RECORDING = {
    "account_id": "Cx3wERazSgup7ZWRHQM8-w",
    "duration": 20,
    "host_id": "_0ctZtY0REqWalTmwvrdIw",
    "id": 6840331990,
    "recording_count": 2,
    "start_time": "2021-03-18T05:41:36Z",
    "topic": "My Personal Meeting",
    "total_size": 22,
    "type": "1",
    "uuid": "/BOKXuumlTAGXuqwr3bLyuQ==",
    "share_url": "https://us06web.zoom.us/rec/share/abc",
    "recording_files": [
        {
            "download_url": "https://us06web.zoom.us/rec/download/video-abc",
            "file_size": 7220,
            "file_type": "MP4",
            "file_extension": "MP4",
            "id": "ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8",
            "meeting_id": "/BOKXuumlTAGXuqwr3bLyuQ==",
            "play_url": "https://us06web.zoom.us/rec/play/video-abc",
            "recording_end": "2021-03-18T05:41:56Z",
            "recording_start": "2021-03-18T05:41:36Z",
            "recording_type": "shared_screen_with_speaker_view",
            "status": "completed",
        },
        {
            "download_url": TRANSCRIPT_URL,
            "file_size": 512,
            "file_type": "TRANSCRIPT",
            "file_extension": "VTT",
            "id": "7ab1c2d3-0000-4000-8000-000000000001",
            "meeting_id": "/BOKXuumlTAGXuqwr3bLyuQ==",
            "recording_end": "2021-03-18T05:41:56Z",
            "recording_start": "2021-03-18T05:41:36Z",
            "recording_type": "audio_transcript",
            "status": "completed",
        },
    ],
}
RECORDING_URL = f"{API}/meetings/%252FBOKXuumlTAGXuqwr3bLyuQ%253D%253D/recordings"
VTT = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJill Chill: Welcome.\n"


class FakeTokens:
    def access_token(self) -> str:
        return "token-1"

    def refresh(self, stale_token: str) -> str:
        return "token-2"


class RecordingLimiter:
    def __init__(self):
        self.acquired: list[str] = []

    def acquire(self, account_key: str, category: str) -> None:
        self.acquired.append(category)

    def hold(self, account_key: str, category: str, seconds: float) -> None:
        pass


@pytest.fixture
def limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
def provider(limiter) -> ZoomProvider:
    client = ZoomClient(API, FakeTokens(), "acct-1", limiter=limiter, sleep=lambda s: None)
    return ZoomProvider(client)


def query(request) -> dict[str, list[str]]:
    """The query string as sent (requests-mock's own `qs` lower-cases values)."""
    return parse_qs(urlsplit(request.url).query)


BERLIN_9AM = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)


# --- authenticate --------------------------------------------------------------------------


def test_authenticate_reads_users_me(requests_mock, provider):
    # given
    requests_mock.get(f"{API}/users/me", json=USER_ME)

    # when
    user = provider.authenticate()

    # then
    assert user == ProviderUser(
        id="KDcuGIm1QgePTO8WbOqwIQ",
        email="jchill@example.com",
        account_id="q6gBJVO5TzexKYTb_I2rpg",
        display_name="Jill Chill",
    )


def test_authenticate_builds_a_name_when_zoom_has_no_display_name(requests_mock, provider):
    # given
    requests_mock.get(f"{API}/users/me", json={**USER_ME, "display_name": None})

    # when / then
    assert provider.authenticate().display_name == "Jill Chill"


# --- create --------------------------------------------------------------------------------


def test_create_scheduled_meeting_posts_local_time_and_safe_settings(requests_mock, provider):
    # given
    requests_mock.post(f"{API}/users/teacher%40school.test/meetings", json=CREATED, status_code=201)
    request = MeetingRequest(
        topic="Maths",
        start_time=BERLIN_9AM,
        duration_minutes=45,
        timezone="Europe/Berlin",
        agenda="Fractions",
        settings={"auto_recording": "cloud", "waiting_room": False},
    )

    # when
    provider.create_meeting("teacher@school.test", request)

    # then
    assert requests_mock.last_request.json() == {
        "topic": "Maths",
        "type": 2,
        "start_time": "2025-03-10T09:00:00",
        "timezone": "Europe/Berlin",
        "duration": 45,
        "agenda": "Fractions",
        "settings": {
            "join_before_host": False,
            "waiting_room": False,
            "use_pmi": False,
            "approval_type": 2,
            "auto_recording": "cloud",
        },
    }


def test_create_maps_zooms_answer(requests_mock, provider):
    # given
    requests_mock.post(f"{API}/users/me/meetings", json=CREATED, status_code=201)

    # when
    meeting = provider.create_meeting("me", MeetingRequest(topic="x", start_time=BERLIN_9AM))

    # then
    assert meeting == ProviderMeeting(
        id="92674392836",
        uuid="aDYlohsHRtCd4ii1uC2+hA==",
        topic="My Meeting",
        kind="scheduled",
        start_time=datetime(2022, 3, 25, 7, 29, 29, tzinfo=UTC),
        duration_minutes=60,
        timezone="America/Los_Angeles",
        join_url="https://example.zoom.us/j/11111",
        start_url="https://example.zoom.us/s/11111",
        host_id="30R7kT7bTIKSNUFEuH_Qlg",
        status="waiting",
        registration_url="https://example.zoom.us/meeting/register/7ksAkRCoEpt1Jm0wa-E6lICLur9e7Lde5oW6",
        occurrences=(
            Occurrence(
                occurrence_id="1648194360000",
                start_time=datetime(2022, 3, 25, 7, 46, tzinfo=UTC),
                duration_minutes=60,
                status="available",
            ),
        ),
        agenda="My Meeting",
    )


def test_a_recurring_meetings_rule_is_read_from_zooms_answer(requests_mock, provider):
    # given: Zoom's GET answer for a weekly meeting, Mondays and Wednesdays, four times
    body = {**CREATED, "type": 8, "timezone": "UTC"}
    body["recurrence"] = {"type": 2, "repeat_interval": 1, "weekly_days": "2,4", "end_times": 4}
    requests_mock.get(f"{API}/meetings/92674392836", json=body)

    # when
    meeting = provider.get_meeting("92674392836")

    # then
    assert meeting.recurrence == RecurrenceRule(frequency="weekly", weekdays=(0, 2), count=4)


def test_create_instant_meeting_has_no_start_time(requests_mock, provider):
    # given
    requests_mock.post(f"{API}/users/me/meetings", json={"id": 1, "type": 1}, status_code=201)

    # when
    meeting = provider.create_meeting("me", MeetingRequest(topic="Now", kind="instant"))

    # then
    body = requests_mock.last_request.json()
    assert body["type"] == 1
    assert "start_time" not in body
    assert meeting.kind == "instant"


def test_create_with_registration_approves_automatically_and_mutes_zoom_emails(
    requests_mock, provider
):
    # given
    requests_mock.post(f"{API}/users/me/meetings", json=CREATED, status_code=201)
    request = MeetingRequest(topic="Maths", start_time=BERLIN_9AM, registration=True)

    # when
    provider.create_meeting("me", request)

    # then
    settings = requests_mock.last_request.json()["settings"]
    assert settings["approval_type"] == 0
    assert settings["registrants_confirmation_email"] is False
    assert settings["registrants_email_notification"] is False
    assert settings["join_before_host"] is False
    assert settings["waiting_room"] is True


@pytest.mark.parametrize(
    ("rule", "recurrence"),
    [
        (
            RecurrenceRule(Frequency.WEEKLY, weekdays=(0, 2), count=10),
            {"type": 2, "repeat_interval": 1, "weekly_days": "2,4", "end_times": 10},
        ),
        (
            RecurrenceRule(Frequency.MONTHLY, month_day=1, count=6),
            {"type": 3, "repeat_interval": 1, "monthly_day": 1, "end_times": 6},
        ),
        (
            RecurrenceRule(Frequency.DAILY, interval=2, count=5),
            {"type": 1, "repeat_interval": 2, "end_times": 5},
        ),
        (
            # the last day ends at 23:59 in Berlin, which is summer time (UTC+2) by then
            RecurrenceRule(Frequency.DAILY, interval=2, until=date(2025, 3, 31)),
            {"type": 1, "repeat_interval": 2, "end_date_time": "2025-03-31T21:59:00Z"},
        ),
    ],
    ids=["weekly-mon-wed", "monthly-1st", "daily-every-2-count", "daily-every-2-until"],
)
def test_create_recurring_meeting_sends_zoom_recurrence(requests_mock, provider, rule, recurrence):
    # given
    requests_mock.post(f"{API}/users/me/meetings", json=CREATED, status_code=201)
    request = MeetingRequest(
        topic="Maths",
        kind="recurring",
        start_time=BERLIN_9AM,
        timezone="Europe/Berlin",
        recurrence=rule,
        registration=True,
    )

    # when
    provider.create_meeting("me", request)

    # then
    body = requests_mock.last_request.json()
    assert body["type"] == 8
    assert body["start_time"] == "2025-03-10T09:00:00"
    assert body["recurrence"] == recurrence
    assert body["settings"]["registration_type"] == 1


@pytest.mark.parametrize(
    "request_",
    [
        MeetingRequest(topic="x", kind="recurring", start_time=BERLIN_9AM),
        MeetingRequest(topic="x", start_time=None),
        MeetingRequest(topic="x", start_time=datetime(2025, 3, 10, 9, 0)),
        MeetingRequest(topic="x", start_time=BERLIN_9AM, timezone="Mars/Olympus"),
        MeetingRequest(
            topic="x",
            start_time=BERLIN_9AM,
            recurrence=RecurrenceRule(Frequency.DAILY, count=2),
        ),
    ],
    ids=["recurring-without-rule", "no-start", "naive-start", "bad-timezone", "rule-not-recurring"],
)
def test_create_refuses_incomplete_requests_without_calling_zoom(requests_mock, provider, request_):
    with pytest.raises(ProviderValidationError):
        provider.create_meeting("me", request_)

    assert requests_mock.call_count == 0


# --- get and list --------------------------------------------------------------------------


def test_get_meeting_maps_the_sample(requests_mock, provider):
    # given
    requests_mock.get(f"{API}/meetings/97763643886", json=MEETING)

    # when
    meeting = provider.get_meeting("97763643886", occurrence_id="1648194360000")

    # then
    assert query(requests_mock.last_request) == {"occurrence_id": ["1648194360000"]}
    assert meeting.id == "97763643886"
    assert meeting.uuid == "aDYlohsHRtCd4ii1uC2+hA=="
    assert meeting.start_time == datetime(2022, 3, 25, 7, 29, 29, tzinfo=UTC)
    assert meeting.timezone == "America/Los_Angeles"
    assert meeting.occurrences[0].occurrence_id == "1648194360000"


def test_meeting_mapping_survives_string_ids_and_missing_fields(requests_mock, provider):
    # given
    requests_mock.get(
        f"{API}/meetings/123",
        json={"id": "123", "type": 8, "start_time": None, "occurrences": None, "join_url": None},
    )

    # when
    meeting = provider.get_meeting("123")

    # then
    assert meeting == ProviderMeeting(
        id="123",
        uuid="",
        topic="",
        kind="recurring",
        start_time=None,
        duration_minutes=0,
        timezone="UTC",
        join_url="",
        start_url="",
        host_id="",
    )


def test_list_meetings_follows_next_page_token(requests_mock, provider):
    # given: two pages, the token as Zoom sends it (mixed case)
    listed = {key: MEETING[key] for key in ("uuid", "id", "host_id", "topic", "type", "join_url")}
    requests_mock.get(
        f"{API}/users/me/meetings",
        [
            {"json": {"meetings": [listed], "next_page_token": "TvA2CuIdTg"}},
            {"json": {"meetings": [{**listed, "id": 2}], "next_page_token": ""}},
        ],
    )

    # when
    first = provider.list_meetings("me")
    second = provider.list_meetings("me", page_token=first.next_page_token)

    # then
    assert [m.id for m in first.items] == ["97763643886"]
    assert first.next_page_token == "TvA2CuIdTg"
    assert [m.id for m in second.items] == ["2"]
    assert second.next_page_token == ""
    first_query, second_query = (query(r) for r in requests_mock.request_history)
    assert first_query == {"type": ["scheduled"], "page_size": ["300"]}
    assert second_query["next_page_token"] == ["TvA2CuIdTg"]


# --- update and delete ---------------------------------------------------------------------


def test_update_meeting_patches_the_full_body(requests_mock, provider):
    # given
    requests_mock.patch(f"{API}/meetings/97763643886", status_code=204)
    request = MeetingRequest(topic="Maths II", start_time=BERLIN_9AM, timezone="Europe/Berlin")

    # when
    provider.update_meeting("97763643886", request)

    # then
    body = requests_mock.last_request.json()
    assert body["topic"] == "Maths II"
    assert body["start_time"] == "2025-03-10T09:00:00"
    assert body["type"] == 2


def test_update_one_occurrence_sends_only_what_zoom_allows(requests_mock, provider):
    # given
    requests_mock.patch(f"{API}/meetings/97763643886", status_code=204)
    request = MeetingRequest(
        topic="ignored",
        kind="recurring",
        start_time=BERLIN_9AM,
        duration_minutes=30,
        timezone="Europe/Berlin",
        recurrence=RecurrenceRule(Frequency.DAILY, count=3),
        settings={"mute_upon_entry": True},
    )

    # when
    provider.update_meeting("97763643886", request, occurrence_id="1648194360000")

    # then
    assert query(requests_mock.last_request) == {"occurrence_id": ["1648194360000"]}
    assert requests_mock.last_request.json() == {
        "agenda": "",
        "start_time": "2025-03-10T09:00:00",
        "duration": 30,
        "timezone": "Europe/Berlin",
        "settings": {"mute_upon_entry": True},
    }


def test_delete_meeting_sends_delete_with_occurrence(requests_mock, provider):
    # given
    requests_mock.delete(f"{API}/meetings/97763643886", status_code=204)

    # when
    provider.delete_meeting("97763643886", occurrence_id="1648194360000")

    # then
    assert requests_mock.last_request.method == "DELETE"
    assert query(requests_mock.last_request) == {"occurrence_id": ["1648194360000"]}


def test_deleting_a_meeting_zoom_no_longer_has_succeeds(requests_mock, provider):
    # given
    requests_mock.delete(
        f"{API}/meetings/1", status_code=404, json={"code": 3001, "message": "Meeting not found."}
    )

    # when
    result = provider.delete_meeting("1")

    # then
    assert result is None
    assert requests_mock.call_count == 1


def test_delete_meeting_reports_other_errors(requests_mock, provider):
    # given
    requests_mock.delete(
        f"{API}/meetings/1", status_code=400, json={"code": 3000, "message": "Meeting is live."}
    )

    # when / then
    with pytest.raises(ProviderValidationError, match="Zoom code 3000"):
        provider.delete_meeting("1")


# --- registrants ---------------------------------------------------------------------------


def test_add_registrant_returns_the_personal_join_url(requests_mock, provider):
    # given
    requests_mock.post(f"{API}/meetings/85746065/registrants", json=REGISTRANT, status_code=201)

    # when
    result = provider.add_registrant(
        "85746065",
        email="ann@school.test",
        first_name="Ann",
        last_name="Lee",
        occurrence_ids=["1648194360000", "1648799160000"],
    )

    # then
    assert result == RegistrantResult(
        registrant_id="fdgsfh2ey82fuh",
        join_url="https://example.zoom.us/j/11111",
        occurrence_ids=("1648194360000",),
    )
    assert requests_mock.last_request.json() == {
        "email": "ann@school.test",
        "first_name": "Ann",
        "last_name": "Lee",
    }
    assert query(requests_mock.last_request) == {"occurrence_ids": ["1648194360000,1648799160000"]}


def test_add_registrant_without_occurrences_sends_no_query(requests_mock, provider):
    # given
    requests_mock.post(f"{API}/meetings/1/registrants", json=REGISTRANT, status_code=201)

    # when
    provider.add_registrant("1", email="ann@school.test", first_name="Ann")

    # then
    assert query(requests_mock.last_request) == {}
    assert requests_mock.last_request.json() == {"email": "ann@school.test", "first_name": "Ann"}


# --- participants --------------------------------------------------------------------------


def test_list_participants_maps_the_sample(requests_mock, provider):
    # given
    requests_mock.get(
        f"{API}/past_meetings/Vg8IdgluR5WDeWIkpJlElQ%3D%3D/participants", json=PAST_PARTICIPANTS
    )

    # when
    page = provider.list_participants("Vg8IdgluR5WDeWIkpJlElQ==")

    # then
    assert page.items == (
        Participant(
            participant_id="30R7kT7bTIKSNUFEuH_Qlg",
            name="Jill Chill",
            email="jchill@example.com",
            user_id="27423744",
            registrant_id="_f08HhPJS82MIVLuuFaJPg",
            join_time=datetime(2022, 3, 23, 6, 58, 9, tzinfo=UTC),
            leave_time=datetime(2022, 3, 23, 7, 2, 28, tzinfo=UTC),
            duration_seconds=259,
        ),
    )
    assert page.next_page_token == "Tva2CuIdTgsv8wAnhyAdU3m06Y2HuLQtlh3"


def test_list_participants_pages_through_a_double_encoded_uuid(requests_mock, provider):
    # given
    url = f"{API}/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants"
    last_page = {**PAST_PARTICIPANTS, "next_page_token": ""}
    requests_mock.get(url, [{"json": PAST_PARTICIPANTS}, {"json": last_page}])

    # when
    first = provider.list_participants("/ajXp112QmuoKj4854875==")
    second = provider.list_participants("/ajXp112QmuoKj4854875==", page_token=first.next_page_token)

    # then
    assert [urlsplit(r.url).path for r in requests_mock.request_history] == [
        "/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants"
    ] * 2
    assert query(requests_mock.request_history[1])["next_page_token"] == [
        "Tva2CuIdTgsv8wAnhyAdU3m06Y2HuLQtlh3"
    ]
    assert len(first.items) == len(second.items) == 1
    assert second.next_page_token == ""


@pytest.mark.parametrize("registrant", [{}, {"registrant_id": None}, {"registrant_id": ""}])
def test_a_participant_without_registrant_id_has_an_empty_one(requests_mock, provider, registrant):
    # given: a guest, as Zoom sends them (no email, maybe no registrant id, numeric ids)
    guest = {"id": 16778240, "name": "Guest", "user_email": "", "user_id": 16778240, **registrant}
    requests_mock.get(f"{API}/past_meetings/abc/participants", json={"participants": [guest]})

    # when
    (participant,) = provider.list_participants("abc").items

    # then
    assert participant.registrant_id == ""
    assert participant.email == ""
    assert (participant.participant_id, participant.user_id) == ("16778240", "16778240")
    assert participant.join_time is None


def test_report_participants_asks_for_registrant_ids(requests_mock, provider):
    # given
    requests_mock.get(
        f"{API}/report/meetings/Vg8IdgluR5WDeWIkpJlElQ%3D%3D/participants",
        json=REPORT_PARTICIPANTS,
    )

    # when
    page = provider.report_participants("Vg8IdgluR5WDeWIkpJlElQ==", page_token="next1")

    # then
    assert query(requests_mock.last_request) == {
        "page_size": ["300"],
        "include_fields": ["registrant_id"],
        "next_page_token": ["next1"],
    }
    (participant,) = page.items
    assert participant.registrant_id == "abcdefghij0-klmnopq23456"
    assert participant.email == "jchill@example.com"
    assert participant.duration_seconds == 259


# --- recordings and transcripts ------------------------------------------------------------


def test_get_recording_maps_files(requests_mock, provider):
    # given
    requests_mock.get(RECORDING_URL, json=RECORDING)

    # when
    recording = provider.get_recording("/BOKXuumlTAGXuqwr3bLyuQ==")

    # then
    assert requests_mock.last_request.url == RECORDING_URL
    assert recording.meeting_id == "6840331990"
    assert recording.share_url == "https://us06web.zoom.us/rec/share/abc"
    assert [f.file_type for f in recording.files] == ["MP4", "TRANSCRIPT"]
    assert recording.files[0].file_size == 7220
    assert recording.files[0].recording_start == datetime(2021, 3, 18, 5, 41, 36, tzinfo=UTC)
    assert recording.files[1].play_url == ""


def test_get_transcript_downloads_and_parses_the_vtt(requests_mock, provider):
    # given
    requests_mock.get(RECORDING_URL, json=RECORDING)
    requests_mock.get(TRANSCRIPT_URL, content=("\ufeff" + VTT).encode())

    # when
    transcript = provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==")

    # then
    assert transcript.meeting_uuid == "/BOKXuumlTAGXuqwr3bLyuQ=="
    assert transcript.entries == (TranscriptEntry(1, 1.0, 3.0, "Jill Chill", "Welcome."),)
    assert requests_mock.last_request.headers["Authorization"] == "Bearer token-1"


def test_transcript_segments_are_timed_from_the_first_recording(requests_mock, provider):
    # given: recording was stopped and restarted a minute later
    second_url = "https://us06web.zoom.us/rec/download/transcript-def.vtt"
    files = RECORDING["recording_files"] + [
        {
            **RECORDING["recording_files"][1],
            "download_url": second_url,
            "recording_start": "2021-03-18T05:42:36Z",
        }
    ]
    requests_mock.get(RECORDING_URL, json={**RECORDING, "recording_files": files[::-1]})
    requests_mock.get(TRANSCRIPT_URL, text=VTT)
    requests_mock.get(second_url, text=VTT.replace("Welcome.", "Back again."))

    # when
    transcript = provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==")

    # then
    assert transcript.entries == (
        TranscriptEntry(1, 1.0, 3.0, "Jill Chill", "Welcome."),
        TranscriptEntry(2, 61.0, 63.0, "Jill Chill", "Back again."),
    )


@pytest.mark.parametrize(
    "files",
    [
        [RECORDING["recording_files"][0]],
        [{**RECORDING["recording_files"][1], "status": "processing"}],
        [],
    ],
    ids=["video-only", "transcript-processing", "no-files"],
)
def test_no_transcript_is_none(requests_mock, provider, files):
    # given
    requests_mock.get(RECORDING_URL, json={**RECORDING, "recording_files": files})

    # when / then
    assert provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==") is None
    assert requests_mock.call_count == 1


def test_no_recording_is_not_found_for_the_transcript_too(requests_mock, provider):
    # given
    requests_mock.get(
        RECORDING_URL, status_code=404, json={"code": 3301, "message": "No recording."}
    )

    # when / then: not "no transcript yet", which is worth asking again
    with pytest.raises(NotFoundError):
        provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==")


def test_transcript_segments_share_one_size_limit_and_count_malformed_cues(requests_mock, provider):
    # given: two segments of 60 and 71 bytes, the second with a broken cue
    second_url = "https://us06web.zoom.us/rec/download/transcript-def.vtt"
    second = {
        **RECORDING["recording_files"][1],
        "id": "second-file",
        "download_url": second_url,
        "recording_start": "2021-03-18T05:42:36Z",
    }
    listing = {**RECORDING, "recording_files": [*RECORDING["recording_files"], second]}
    requests_mock.get(RECORDING_URL, json=listing)
    requests_mock.get(TRANSCRIPT_URL, text=VTT)
    broken = VTT + "\n2\n00:00:09.000 --> 00:00:04.000\nJill Chill: Backwards.\n"
    requests_mock.get(second_url, text=broken)
    sizes = len(VTT.encode()) + len(broken.encode())

    # when
    whole = provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==", max_bytes=sizes)

    # then
    assert [e.text for e in whole.entries] == ["Welcome.", "Welcome."]
    assert whole.skipped == 1
    assert whole.file_ids == (RECORDING["recording_files"][1]["id"], "second-file")
    with pytest.raises(FileTooLargeError) as too_large:
        provider.get_transcript("/BOKXuumlTAGXuqwr3bLyuQ==", max_bytes=sizes - 1)
    assert too_large.value.limit == len(broken.encode()) - 1  # what the first left of the budget


def test_get_recording_that_does_not_exist_is_not_found(requests_mock, provider):
    requests_mock.get(
        RECORDING_URL, status_code=404, json={"code": 3301, "message": "No recording."}
    )

    with pytest.raises(NotFoundError):
        provider.get_recording("/BOKXuumlTAGXuqwr3bLyuQ==")


def test_get_recording_keeps_each_files_kind_view_extension_status_and_the_totals(
    requests_mock, provider
):
    # given: Zoom's answer, with the participants' own audio files as Zoom adds them
    body = {
        **RECORDING,
        "participant_audio_files": [
            {**RECORDING["recording_files"][0], "id": "per-person", "file_type": "M4A"}
        ],
    }
    requests_mock.get(RECORDING_URL, json=body)

    # when
    recording = provider.get_recording("/BOKXuumlTAGXuqwr3bLyuQ==")

    # then
    assert [(f.id, f.recording_type, f.file_extension, f.status) for f in recording.files] == [
        (
            "ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8",
            "shared_screen_with_speaker_view",
            "MP4",
            "completed",
        ),
        ("7ab1c2d3-0000-4000-8000-000000000001", "audio_transcript", "VTT", "completed"),
    ]
    assert (recording.duration_minutes, recording.total_size) == (20, 22)


def test_recording_file_links_carry_a_fresh_token_and_the_passcode(requests_mock, provider):
    # given
    requests_mock.get(
        RECORDING_URL,
        json={
            **RECORDING,
            "download_access_token": "eyJ.download.token",
            "recording_play_passcode": "pass code/+",
        },
    )

    # when
    links = {
        link.file_id: link for link in provider.recording_file_links("/BOKXuumlTAGXuqwr3bLyuQ==")
    }

    # then: asked for a short-lived download token
    assert query(requests_mock.last_request) == {
        "include_fields": ["download_access_token"],
        "ttl": ["300"],
    }
    video = links["ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8"]
    assert video.download_url == (
        "https://us06web.zoom.us/rec/download/video-abc?access_token=eyJ.download.token"
    )
    assert video.play_url == "https://us06web.zoom.us/rec/play/video-abc?pwd=pass+code%2F%2B"
    transcript = links["7ab1c2d3-0000-4000-8000-000000000001"]
    assert transcript.play_url == ""  # Zoom plays no transcript
    assert transcript.download_url == f"{TRANSCRIPT_URL}?access_token=eyJ.download.token"


def test_recording_file_links_without_a_token_or_on_another_host_are_none(requests_mock, provider):
    files = [
        {**RECORDING["recording_files"][0], "download_url": "https://evil.test/rec/download/x"},
        RECORDING["recording_files"][1],
    ]
    requests_mock.get(RECORDING_URL, json={**RECORDING, "recording_files": files})

    links = provider.recording_file_links("/BOKXuumlTAGXuqwr3bLyuQ==")

    # no token: no download link that would send the person to Zoom's sign-in
    assert [link.download_url for link in links] == ["", ""]
    assert links[0].play_url == "https://us06web.zoom.us/rec/play/video-abc"  # no passcode set


def test_delete_recording_deletes_for_good(requests_mock, provider):
    deleted = requests_mock.delete(RECORDING_URL, status_code=204)

    assert provider.delete_recording("/BOKXuumlTAGXuqwr3bLyuQ==") is True
    assert query(deleted.last_request) == {"action": ["delete"]}


def test_delete_one_file_of_a_recording(requests_mock, provider):
    deleted = requests_mock.delete(f"{RECORDING_URL}/file-1", status_code=204)

    assert provider.delete_recording("/BOKXuumlTAGXuqwr3bLyuQ==", file_id="file-1") is True
    assert deleted.called


def test_deleting_a_recording_zoom_no_longer_has_is_done(requests_mock, provider):
    requests_mock.delete(
        RECORDING_URL, status_code=404, json={"code": 3301, "message": "No recording."}
    )

    assert provider.delete_recording("/BOKXuumlTAGXuqwr3bLyuQ==") is False


def test_a_refused_delete_raises(requests_mock, provider):
    requests_mock.delete(
        RECORDING_URL, status_code=400, json={"code": 3303, "message": "Still processing."}
    )

    with pytest.raises(ProviderValidationError):
        provider.delete_recording("/BOKXuumlTAGXuqwr3bLyuQ==")


# --- rate-limit categories -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "method", "url", "category"),
    [
        (lambda p: p.authenticate(), "GET", "/users/me", "light"),
        (lambda p: p.get_meeting("1"), "GET", "/meetings/1", "light"),
        (
            lambda p: p.create_meeting("me", MeetingRequest(topic="x", start_time=BERLIN_9AM)),
            "POST",
            "/users/me/meetings",
            "light",
        ),
        (
            lambda p: p.update_meeting("1", MeetingRequest(topic="x", start_time=BERLIN_9AM)),
            "PATCH",
            "/meetings/1",
            "light",
        ),
        (lambda p: p.delete_meeting("1"), "DELETE", "/meetings/1", "light"),
        (
            lambda p: p.add_registrant("1", email="a@b.c", first_name="A"),
            "POST",
            "/meetings/1/registrants",
            "light",
        ),
        (lambda p: p.get_recording("u"), "GET", "/meetings/u/recordings", "light"),
        (lambda p: p.recording_file_links("u"), "GET", "/meetings/u/recordings", "light"),
        (lambda p: p.delete_recording("u"), "DELETE", "/meetings/u/recordings", "light"),
        (lambda p: p.list_meetings("me"), "GET", "/users/me/meetings", "medium"),
        (lambda p: p.list_participants("u"), "GET", "/past_meetings/u/participants", "medium"),
        (lambda p: p.report_participants("u"), "GET", "/report/meetings/u/participants", "heavy"),
    ],
    ids=[
        "users-me",
        "get",
        "create",
        "update",
        "delete",
        "registrant",
        "recording",
        "recording-links",
        "recording-delete",
        "list",
        "participants",
        "report",
    ],
)
def test_each_call_draws_from_its_rate_limit_category(
    requests_mock, provider, limiter, call, method, url, category
):
    # given
    requests_mock.register_uri(method, f"{API}{url}", json={})

    # when
    call(provider)

    # then
    assert limiter.acquired == [category]


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2022-03-23T06:58:09Z",
        "2022-03-23T06:58:09.0000000+00:00",
        "2022-03-23T06:58:09+00:00",
        "2022-03-23T06:58:09",
        "2022-03-23T08:58:09.000+02:00",
    ],
)
def test_zoom_date_times_parse_in_every_spelling(value):
    assert parse_zoom_datetime(value) == datetime(2022, 3, 23, 6, 58, 9, tzinfo=UTC)


def test_unreadable_date_times_are_none():
    assert parse_zoom_datetime(None) is None
    assert parse_zoom_datetime("") is None
    assert parse_zoom_datetime("yesterday") is None
    assert parse_zoom_datetime(1648194360000) is None


def test_start_time_keeps_the_wall_clock_across_daylight_saving(requests_mock, provider):
    # given: 09:00 in Berlin in summer (UTC+2)
    requests_mock.post(f"{API}/users/me/meetings", json=CREATED, status_code=201)
    summer = datetime(2025, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    # when
    provider.create_meeting(
        "me", MeetingRequest(topic="x", start_time=summer, timezone="Europe/Berlin")
    )

    # then
    assert requests_mock.last_request.json()["start_time"] == "2025-07-01T09:00:00"
