"""Links from Zoom's API (join, start, registrant, recording and download links) reach pages,
emails and redirects: only https links on Zoom's hosts, or on the school's configured API origin
(the sandbox in development), are kept; anything else is dropped with a log line (issue 10)."""

import logging

import pytest

from meetings.zoom.client import ZoomClient
from meetings.zoom.links import origin_of, zoom_link_clean
from meetings.zoom.provider import ZoomProvider

from .test_zoom_provider import API, CREATED, RECORDING, RECORDING_URL, REGISTRANT, FakeTokens

BAD = [
    "javascript:alert(document.cookie)",
    "http://us06web.zoom.us/j/1",  # not https
    "https://zoom.us.evil.example/j/1",  # look-alike
    "https://evilzoom.us/j/1",
    "https://user:pw@zoom.us/j/1",  # credentials in the link
    "https://[::1/j/1",  # unreadable
    "data:text/html,<script>alert(1)</script>",
    "https://127.0.0.1:8000/j/1",  # not the configured origin
]
GOOD = [
    "https://us06web.zoom.us/j/1?pwd=x",
    "https://zoom.us/rec/share/abc",
    "https://files.zoomgov.com/rec/download/a",
    "https://zoom.com/j/1",
]


@pytest.mark.parametrize("url", BAD)
def test_a_link_that_is_not_zooms_is_dropped(url):
    assert zoom_link_clean(url, api_origin=origin_of(API)) == ""


@pytest.mark.parametrize("url", GOOD)
def test_zooms_links_are_kept(url):
    assert zoom_link_clean(url) == url


def test_the_configured_stand_in_origin_is_accepted_and_nothing_else():
    sandbox = origin_of("http://127.0.0.1:8100/v2")
    assert zoom_link_clean("http://127.0.0.1:8100/j/1", api_origin=sandbox)
    assert not zoom_link_clean("http://127.0.0.1:8101/j/1", api_origin=sandbox)
    assert not zoom_link_clean("http://127.0.0.1:8100/j/1")


@pytest.fixture
def provider() -> ZoomProvider:
    return ZoomProvider(ZoomClient(API, FakeTokens(), "acct-1", sleep=lambda s: None))


def test_a_meetings_links_are_checked(requests_mock, provider, caplog):
    # given: Zoom's answer (or a stand-in's, or a tampered one) with links elsewhere
    evil = CREATED | {
        "join_url": "javascript:alert(1)",
        "start_url": "https://zoom.us.evil.example/s/1?zak=hostkey",
        "registration_url": "http://zoom.us/register/1",
    }
    requests_mock.get(f"{API}/meetings/1", json=evil)

    # when
    with caplog.at_level(logging.WARNING, logger="meetings.zoom.provider"):
        meeting = provider.get_meeting("1")

    # then: dropped, logged, and the host key not in the log
    assert (meeting.join_url, meeting.start_url, meeting.registration_url) == ("", "", "")
    assert "start link" in caplog.text and "zoom.us.evil.example" in caplog.text
    assert "hostkey" not in caplog.text


def test_a_registrants_join_link_is_checked(requests_mock, provider, caplog):
    requests_mock.post(
        f"{API}/meetings/1/registrants",
        json=REGISTRANT | {"join_url": "https://evil.example/j/1?tk=x"},
        status_code=201,
    )
    with caplog.at_level(logging.WARNING, logger="meetings.zoom.provider"):
        result = provider.add_registrant("1", email="ann@school.test", first_name="Ann")
    assert result.join_url == ""
    assert "registrant link" in caplog.text


def test_a_recordings_links_are_checked(requests_mock, provider):
    # given
    files = [
        RECORDING["recording_files"][0]
        | {"play_url": "javascript:alert(1)", "download_url": "https://evil.example/v.mp4"},
        RECORDING["recording_files"][1],
    ]
    requests_mock.get(
        RECORDING_URL,
        json=RECORDING | {"share_url": "https://evil.example/rec", "recording_files": files},
    )

    # when
    recording = provider.get_recording("/BOKXuumlTAGXuqwr3bLyuQ==")

    # then: the bad ones dropped, the good one kept
    assert recording.share_url == ""
    assert (recording.files[0].play_url, recording.files[0].download_url) == ("", "")
    assert recording.files[1].download_url == RECORDING["recording_files"][1]["download_url"]
