"""The calendar stand-in over HTTP as a client other than the platform would meet it: the
authorize page, refusals in each provider's shape, fail injection, paging, the page."""

import requests

from zoom_sandbox.calendars import DEMO_APPS


def _token(sandbox, provider="google", email="tara@example.com") -> dict:
    client_id, secret = DEMO_APPS[provider]
    code = sandbox.state.cal_authorize(
        provider,
        client_id=client_id,
        redirect_uri="http://app.test/cb",
        scope="https://www.googleapis.com/auth/calendar.events",
        email=email,
    )
    path = "/google/token" if provider == "google" else "/microsoft/common/oauth2/v2.0/token"
    answer = requests.post(
        sandbox.url + path,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://app.test/cb",
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=5,
    )
    answer.raise_for_status()
    return answer.json()


def test_authorize_page_prefills_the_address_and_cancel_goes_back_denied(sandbox):
    query = {
        "client_id": DEMO_APPS["google"][0],
        "redirect_uri": "http://app.test/cb",
        "response_type": "code",
        "scope": "openid email",
        "state": "s<1>",
        "login_hint": 'a"b@example.com',
    }
    page = requests.get(f"{sandbox.url}/google/o/oauth2/v2/auth", params=query, timeout=5)
    assert page.status_code == 200
    assert 'value="a&quot;b@example.com"' in page.text  # escaped
    assert 'value="s&lt;1&gt;"' in page.text

    denied = requests.post(
        f"{sandbox.url}/google/o/oauth2/v2/auth",
        data={**query, "decision": "deny"},
        allow_redirects=False,
        timeout=5,
    )
    assert denied.status_code == 302
    assert denied.headers["Location"].startswith("http://app.test/cb?error=access_denied")


def test_token_refusals_in_each_providers_shape(sandbox):
    wrong = requests.post(
        f"{sandbox.url}/google/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nope"},
        timeout=5,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    client_id, secret = DEMO_APPS["microsoft"]
    spent = requests.post(
        f"{sandbox.url}/microsoft/common/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "unknown",
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=5,
    )
    assert spent.status_code == 400
    assert spent.json()["error"] == "invalid_grant"
    assert spent.json()["error_description"].startswith("AADSTS70000")


def test_api_without_a_valid_token_is_401_like_each_provider(sandbox):
    google = requests.get(f"{sandbox.url}/google/v1/userinfo", timeout=5)
    graph = requests.get(
        f"{sandbox.url}/microsoft/v1.0/me", headers={"Authorization": "Bearer x"}, timeout=5
    )
    assert google.status_code == 401
    assert google.json()["error"]["errors"][0]["reason"] == "authError"
    assert graph.status_code == 401
    assert graph.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_injected_failure_and_rate_limit_on_graph(sandbox):
    token = _token(sandbox, "microsoft")["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    requests.post(
        f"{sandbox.url}/_sandbox/fail",
        json={"path_prefix": "/microsoft/v1.0/me/events", "status": 503, "times": 1},
        timeout=5,
    )
    failed = requests.post(
        f"{sandbox.url}/microsoft/v1.0/me/events", json={}, headers=auth, timeout=5
    )
    assert failed.status_code == 503

    requests.post(
        f"{sandbox.url}/_sandbox/config",
        json={"rate_limit_per_second": 0, "account_id": "microsoft"},
        timeout=5,
    )
    limited = requests.get(f"{sandbox.url}/microsoft/v1.0/me", headers=auth, timeout=5)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.json()["error"]["code"] == "ApplicationThrottled"


def test_calendar_view_pages_and_the_page_lists_events(sandbox):
    token = _token(sandbox, "microsoft")["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'}
    for hour in range(3):
        answer = requests.post(
            f"{sandbox.url}/microsoft/v1.0/me/events",
            json={
                "subject": f"<b>Class {hour}</b>",
                "start": {"dateTime": f"2026-03-02T0{hour + 3}:00:00", "timeZone": "Asia/Dhaka"},
                "end": {"dateTime": f"2026-03-02T0{hour + 4}:00:00", "timeZone": "Asia/Dhaka"},
                "location": {"displayName": "https://demo.localhost/j/x"},
            },
            headers=auth,
            timeout=5,
        )
        assert answer.status_code == 201
    first = requests.get(
        f"{sandbox.url}/microsoft/v1.0/me/calendarView",
        params={
            "startDateTime": "2026-03-01T00:00:00Z",
            "endDateTime": "2026-03-03T00:00:00Z",
            "$top": "2",
        },
        headers=auth,
        timeout=5,
    ).json()
    assert len(first["value"]) == 2
    assert first["value"][0]["start"] == {
        "dateTime": "2026-03-01T21:00:00.0000000",  # 03:00 in Dhaka
        "timeZone": "UTC",
    }
    second = requests.get(first["@odata.nextLink"], headers=auth, timeout=5).json()
    assert len(second["value"]) == 1 and "@odata.nextLink" not in second

    page = requests.get(f"{sandbox.url}/calendars/", timeout=5).text
    assert "&lt;b&gt;Class 0&lt;/b&gt;" in page and "<b>Class" not in page
    assert "tara@example.com" in page
