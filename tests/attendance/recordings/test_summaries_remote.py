"""The remote summariser (a school's OpenAI-compatible endpoint, mocked with requests-mock) and
the interface around it: the request it makes, the answers it reads, and the local summariser
taking over, with the reason, whenever the remote one fails."""

import io
import json
import logging

import pytest
import requests

from attendance.recordings.summaries import RemoteConfig, summary_draft
from attendance.recordings.summarisers import remote
from attendance.recordings.summarisers.local import summarise_local

from .summary_transcripts import ENGLISH, TEACHER, cues

ENDPOINT = "https://llm.test/v1"
URL = f"{ENDPOINT}/chat/completions"
KEY = "sk-test-0123456789abcdef"
CONFIG = RemoteConfig(endpoint=ENDPOINT, api_key=KEY, model="tiny-model")


def completion(content, *, model="tiny-model-2026"):
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


ANSWER = {
    "summary": "The class learned how plants make glucose by photosynthesis.",
    "action_items": [
        {
            "text": "Read chapter 6 and answer questions 1-5.",
            "speaker": TEACHER,
            "start_seconds": 175,
        },
        {"text": "Submit the answers by Friday.", "speaker": TEACHER, "start_seconds": 184.5},
    ],
}


def draft(**kwargs):
    return summary_draft(
        ENGLISH, title="Photosynthesis", remote=CONFIG, context="alpha meeting 7", **kwargs
    )


def test_the_request_carries_the_model_the_transcript_and_the_key(requests_mock):
    requests_mock.post(URL, json=completion(json.dumps(ANSWER)))

    draft()

    sent = requests_mock.last_request
    body = sent.json()
    assert sent.method == "POST" and sent.url == URL
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert body["model"] == "tiny-model"
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system" and "action_items" in system["content"]
    assert "start_seconds" in system["content"]
    assert user["role"] == "user"
    lines = user["content"].split("\n")
    assert lines[0] == "Class: Photosynthesis"
    # a speaker's consecutive cues on one line, at the time of the first
    assert "[00:02] Tara Teacher: Good morning everyone. Can you all hear me okay?" in lines
    assert "[00:07] Ann A: Yes, we can hear you." in lines
    assert lines[-1] == (
        "[03:13] Tara Teacher: Yes, and remember to label the chloroplasts and the stomata."
        " Thank you everyone, see you next class. Bye!"
    )


def test_the_answer_becomes_the_draft(requests_mock):
    requests_mock.post(URL, json=completion(json.dumps(ANSWER)))

    result = draft()

    assert result.method == "remote" and result.fallback_reason == ""
    assert result.model == "tiny-model-2026"  # the model that answered
    assert result.text == ANSWER["summary"]
    assert [(a.text, a.speaker, a.start_ms) for a in result.action_items] == [
        ("Read chapter 6 and answer questions 1-5.", TEACHER, 175_000),
        ("Submit the answers by Friday.", TEACHER, 184_500),
    ]


@pytest.mark.parametrize(
    "content",
    [
        "```json\n" + json.dumps(ANSWER) + "\n```",
        "```\n" + json.dumps(ANSWER, indent=2) + "\n```",
        "Here is the summary:\n" + json.dumps(ANSWER) + "\nI hope this helps.",
    ],
    ids=["json fence", "bare fence", "words around"],
)
def test_fences_and_words_around_the_json_are_tolerated(requests_mock, content):
    requests_mock.post(URL, json=completion(content))

    result = draft()

    assert result.method == "remote" and result.text == ANSWER["summary"]
    assert len(result.action_items) == 2


def test_missing_fields_and_wrong_types_are_read_as_well_as_they_can_be(requests_mock):
    answer = {
        "summary": ["Plants make glucose.", "Leaves are green because of chlorophyll."],
        "action_items": [
            "Bring a leaf to the next class.",
            {"text": "Label the diagram.", "start_seconds": "03:13"},
            {"text": "Revise.", "speaker": 7, "start_seconds": -4},
            {"text": "", "speaker": TEACHER},
            {"speaker": TEACHER, "start_seconds": 12},
            42,
        ],
    }
    requests_mock.post(URL, json=completion(json.dumps(answer)))

    result = draft()

    assert result.text == "Plants make glucose.\nLeaves are green because of chlorophyll."
    assert [(a.text, a.speaker, a.start_ms) for a in result.action_items] == [
        ("Bring a leaf to the next class.", "", None),
        ("Label the diagram.", "", 193_000),
        ("Revise.", "", None),
    ]


def test_no_action_items_is_an_empty_list(requests_mock):
    requests_mock.post(URL, json=completion(json.dumps({"summary": "A quiet class."})))

    result = draft()

    assert result.method == "remote" and result.action_items == ()


def test_without_a_key_no_authorization_is_sent(requests_mock):
    requests_mock.post(URL, json=completion(json.dumps(ANSWER)))

    summary_draft(ENGLISH, remote=RemoteConfig(ENDPOINT, "", "local-model"))

    assert "Authorization" not in requests_mock.last_request.headers


# --- falling back ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mocked", "reason", "status"),
    [
        ({"status_code": 500, "json": {"error": "boom"}}, "the endpoint answered HTTP 500", 500),
        (
            {"status_code": 401, "json": {"error": {"message": "bad key"}}},
            "the endpoint answered HTTP 401",
            401,
        ),
        (
            {"status_code": 302, "headers": {"Location": "https://elsewhere.test/"}},
            "the endpoint answered with a redirect",
            302,
        ),
        ({"exc": requests.exceptions.ConnectTimeout}, "the endpoint did not answer in time", None),
        ({"exc": requests.exceptions.ReadTimeout}, "the endpoint did not answer in time", None),
        ({"exc": requests.exceptions.ConnectionError}, "the endpoint could not be reached", None),
        ({"text": "<html>Bad gateway</html>"}, "the answer was not JSON", 200),
        ({"json": {"choices": []}}, "the answer was not a chat completion", 200),
        ({"json": completion("I cannot help with that.")}, "the answer held no JSON object", 200),
        ({"json": completion('{"action_items": []}')}, "the answer had no summary", 200),
        ({"json": completion('["not", "an", "object"]')}, "the answer was not a JSON object", 200),
    ],
    ids=[
        "500",
        "401",
        "redirect",
        "connect timeout",
        "read timeout",
        "unreachable",
        "not json",
        "not a completion",
        "no json in content",
        "no summary",
        "json array",
    ],
)
def test_a_failing_remote_falls_back_to_the_local_summariser(
    requests_mock, caplog, mocked, reason, status
):
    requests_mock.post(URL, **mocked)

    with caplog.at_level(logging.WARNING, logger="attendance.recordings.summaries"):
        result = draft()

    local = summarise_local(ENGLISH)
    assert (result.text, result.action_items) == (local.text, local.action_items)
    assert result.method == "local" and result.model == ""
    assert result.fallback_reason == reason
    # the log says where and why, never the key
    logged = caplog.text
    assert "alpha meeting 7" in logged and "llm.test" in logged and reason in logged
    assert f"HTTP status {status}" in logged
    assert KEY not in logged


@pytest.mark.parametrize(
    "endpoint", ["https://169.254.169.254/v1", "https://10.1.2.3/v1", "https://localhost:9/v1"]
)
def test_a_private_address_is_refused_before_anything_is_sent(settings, endpoint):
    # given: no requests-mock: the real transport and its guard (the test settings allow
    # loopback for the sandbox; production allows nothing)
    settings.LIVEROLL_OUTBOUND_ALLOWED_NETWORKS = []

    result = summary_draft(ENGLISH, remote=RemoteConfig(endpoint, KEY, "m"))

    assert result.method == "local"
    assert result.fallback_reason == "the endpoint's address is not a public one"


def test_http_is_refused_outside_debug_and_allowed_in_it(requests_mock, settings):
    requests_mock.post("http://llm.test/v1/chat/completions", json=completion(json.dumps(ANSWER)))
    plain = RemoteConfig("http://llm.test/v1", KEY, "m")

    settings.DEBUG = False
    refused = summary_draft(ENGLISH, remote=plain)
    settings.DEBUG = True
    allowed = summary_draft(ENGLISH, remote=plain)

    assert (refused.method, refused.fallback_reason) == ("local", "the endpoint must use https")
    assert requests_mock.call_count == 1
    assert allowed.method == "remote"


def test_an_oversized_answer_is_not_read_to_the_end(requests_mock, monkeypatch):
    monkeypatch.setattr(remote, "MAX_RESPONSE_BYTES", 1000)
    requests_mock.post(URL, json=completion(json.dumps({"summary": "x" * 5000})))

    result = draft()

    assert (result.method, result.fallback_reason) == ("local", "the answer was too large")


def test_an_unexpected_error_falls_back_too(requests_mock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("attendance.recordings.summaries.summarise_remote", broken)

    result = draft()

    assert (result.method, result.fallback_reason) == ("local", "unexpected error")


# --- a long transcript -----------------------------------------------------------------------


def test_a_long_transcript_keeps_its_beginning_and_its_end_within_the_bound():
    # given: two hours of alternating speakers, the homework at the very end
    rows = [
        (TEACHER if i % 2 else "Ann A", i * 5, f"Sentence number {i} about the topic of the day.")
        for i in range(1439)
    ]
    rows.append((TEACHER, 7200, "Homework: read chapter 9 by Monday."))
    long = cues(rows)

    text = remote.transcript_text(long, limit=20_000)

    lines = text.split("\n")
    assert len(text) <= 20_000
    assert lines[0].startswith("[00:00] Ann A: Sentence number 0 ")
    assert lines[-1] == "[120:00] Tara Teacher: Homework: read chapter 9 by Monday."
    gap = [line for line in lines if line.startswith("[… ")]
    assert len(gap) == 1 and gap[0].endswith(" lines left out …]")
    left_out = int(gap[0].split()[1])
    assert left_out == 1440 - (len(lines) - 1)


def test_a_short_transcript_is_sent_whole():
    text = remote.transcript_text(ENGLISH)

    assert "left out" not in text
    assert text.count("\n") == len(remote.transcript_lines(ENGLISH)) - 1


def test_an_answer_that_trickles_past_the_deadline_is_given_up(requests_mock, monkeypatch):
    # given: an answer of several reads, each taking 100 s of the clock (no read ever times
    # out: the read timeout is per read)
    body = json.dumps(completion(json.dumps({"summary": "x" * 300_000}))).encode()
    requests_mock.post(URL, body=io.BytesIO(body), headers={"Content-Type": "application/json"})
    clock = iter(range(0, 10_000, 100))
    monkeypatch.setattr(remote.time, "monotonic", lambda: float(next(clock)))

    with pytest.raises(remote.RemoteSummaryFailed) as failed:
        remote.summarise_remote(ENGLISH, endpoint=ENDPOINT, api_key=KEY, model="m")

    assert (failed.value.code, failed.value.reason) == (
        "timeout",
        "the endpoint did not answer in time",
    )


def test_the_schools_key_is_never_in_the_configs_repr_or_a_log_of_it(caplog):
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("attendance.recordings.summaries").warning("config %s %r", CONFIG, CONFIG)

    assert KEY not in repr(CONFIG) and KEY not in str(CONFIG)
    assert KEY not in caplog.text and "tiny-model" in caplog.text
