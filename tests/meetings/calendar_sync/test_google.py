"""Google Calendar through the real classes (factory → client → provider), requests-mock
answering at Google's own addresses with Google's shapes:
- Events resource: developers.google.com/calendar/api/v3/reference/events
- freeBusy: developers.google.com/calendar/api/v3/reference/freebusy/query
- errors (401 authError, 403 rateLimitExceeded, 409 duplicate, 410 deleted, 429):
  developers.google.com/calendar/api/guides/errors
- userinfo: the OpenID Connect userinfo endpoint of accounts.google.com's discovery document."""

import hashlib
from datetime import UTC, datetime

import pytest
import redis
from django.conf import settings
from django_tenants.utils import schema_context

from meetings.calendar_sync.client import RATE_PREFIX
from meetings.calendar_sync.factory import provider_for
from meetings.calendar_sync.models import CalendarConnection
from meetings.calendar_sync.providers.base import (
    Busy,
    CalendarGrantRevoked,
    CalendarRateLimited,
    Written,
)

from .conftest import FACTORY_LIMITER, GOOGLE_API, GOOGLE_TOKEN, KEY, event_body, google_token_body

pytestmark = pytest.mark.django_db

EVENTS = f"{GOOGLE_API}/calendars/primary/events"


def google_event(event_id=KEY, etag='"3181161784712000"', **fields) -> dict:
    """An Events resource as insert / update / get return it (trimmed)."""
    return {
        "kind": "calendar#event",
        "etag": etag,
        "id": event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-02-20T10:21:32.000Z",
        "updated": "2026-02-20T10:21:32.356Z",
        "summary": "Maths: fractions",
        "creator": {"email": "teacher@example.com", "self": True},
        "organizer": {"email": "teacher@example.com", "self": True},
        "start": {"dateTime": "2026-03-02T09:00:00+06:00", "timeZone": "Asia/Dhaka"},
        "end": {"dateTime": "2026-03-02T10:00:00+06:00", "timeZone": "Asia/Dhaka"},
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        "reminders": {"useDefault": True},
        "eventType": "default",
        **fields,
    }


def google_error(code: int, reason: str, message: str, domain="global") -> dict:
    return {
        "error": {
            "errors": [{"domain": domain, "reason": reason, "message": message}],
            "code": code,
            "message": message,
        }
    }


RATE_LIMITED = google_error(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
DUPLICATE = google_error(409, "duplicate", "The requested identifier already exists.")
DELETED = google_error(410, "deleted", "Resource has been deleted")
NOT_FOUND = google_error(404, "notFound", "Not Found")
INVALID_CREDENTIALS = {
    "error": {
        "errors": [
            {
                "domain": "global",
                "reason": "authError",
                "message": "Invalid Credentials",
                "locationType": "header",
                "location": "Authorization",
            }
        ],
        "code": 401,
        "message": "Invalid Credentials",
    }
}


def _provider(calendars, sleeps=None):
    provider = provider_for(calendars.google)
    provider.client.sleep = (sleeps if sleeps is not None else []).append
    return provider


def test_insert_writes_our_id_and_the_class_timezone(calendars, requests_mock):
    # given
    requests_mock.post(EVENTS, json=google_event(), status_code=200)
    provider = _provider(calendars)

    # when
    written = provider.event_put(event_body())

    # then
    assert written == Written(remote_id=KEY, etag='"3181161784712000"')
    call = requests_mock.request_history[0]
    assert call.qs == {"sendupdates": ["none"]}
    assert call.headers["Authorization"] == "Bearer google-access"
    sent = call.json()
    assert sent["id"] == KEY
    assert sent["summary"] == "Maths: fractions"
    assert sent["location"] == "https://alpha.localhost/j/abc"
    assert sent["start"] == {"dateTime": "2026-03-02T09:00:00+06:00", "timeZone": "Asia/Dhaka"}
    assert sent["end"] == {"dateTime": "2026-03-02T10:00:00+06:00", "timeZone": "Asia/Dhaka"}
    assert sent["status"] == "confirmed"
    assert sent["source"] == {"title": "Maths: fractions", "url": "https://alpha.localhost/app/c/1"}


def test_insert_that_meets_409_updates_the_event_it_made(calendars, requests_mock):
    # given: the first insert's answer was lost; the event exists under our id
    requests_mock.post(EVENTS, json=DUPLICATE, status_code=409)
    update = requests_mock.put(f"{EVENTS}/{KEY}", json=google_event(etag='"2"'))

    written = _provider(calendars).event_put(event_body())

    assert written == Written(remote_id=KEY, etag='"2"')
    assert update.call_count == 1
    assert "id" not in update.last_request.json()


def test_update_of_an_event_deleted_there_makes_it_again(calendars, requests_mock):
    # given: the person deleted the event and Google purged it
    requests_mock.put(f"{EVENTS}/old-id", json=NOT_FOUND, status_code=404)
    insert = requests_mock.post(EVENTS, json=google_event())

    written = _provider(calendars).event_put(event_body(), remote_id="old-id")

    assert written.remote_id == KEY
    assert insert.last_request.json()["id"] == KEY


def test_update_sends_confirmed_so_a_cancelled_event_comes_back(calendars, requests_mock):
    update = requests_mock.put(f"{EVENTS}/{KEY}", json=google_event())

    _provider(calendars).event_put(event_body(title="Moved"), remote_id=KEY)

    assert update.last_request.json()["status"] == "confirmed"
    assert update.last_request.json()["summary"] == "Moved"


def test_delete_of_an_event_gone_already_is_fine(calendars, requests_mock):
    requests_mock.delete(f"{EVENTS}/{KEY}", json=DELETED, status_code=410)

    _provider(calendars).event_delete(KEY)  # no error

    assert requests_mock.call_count == 1


def test_busy_asks_freebusy_for_the_calendar(calendars, requests_mock):
    # FreeBusy response (freebusy/query reference)
    requests_mock.post(
        f"{GOOGLE_API}/freeBusy",
        json={
            "kind": "calendar#freeBusy",
            "timeMin": "2026-03-02T00:00:00.000Z",
            "timeMax": "2026-03-03T00:00:00.000Z",
            "calendars": {
                "primary": {
                    "busy": [
                        {"start": "2026-03-02T03:00:00Z", "end": "2026-03-02T04:30:00Z"},
                        {"start": "2026-03-02T08:00:00Z", "end": "2026-03-02T09:00:00Z"},
                    ]
                }
            },
        },
    )

    busy = _provider(calendars).busy(
        start=datetime(2026, 3, 2, tzinfo=UTC), end=datetime(2026, 3, 3, tzinfo=UTC)
    )

    assert busy == [
        Busy(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), datetime(2026, 3, 2, 4, 30, tzinfo=UTC)),
        Busy(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
    ]
    sent = requests_mock.last_request.json()
    assert sent == {
        "timeMin": "2026-03-02T00:00:00Z",
        "timeMax": "2026-03-03T00:00:00Z",
        "timeZone": "UTC",
        "items": [{"id": "primary"}],
    }


def test_account_is_the_userinfo_address(calendars, requests_mock):
    requests_mock.get(
        "https://openidconnect.googleapis.com/v1/userinfo",
        json={"sub": "1103", "email": "tara@gmail.com", "email_verified": True},
    )

    account = _provider(calendars).account()

    assert (account.email, account.calendar_id) == ("tara@gmail.com", "primary")


def test_401_refreshes_once_then_retries_and_keeps_the_refresh_token(calendars, requests_mock):
    # given: Google no longer takes the stored token
    requests_mock.post(
        EVENTS,
        [
            {"json": INVALID_CREDENTIALS, "status_code": 401},
            {"json": google_event()},
        ],
    )
    token = requests_mock.post(GOOGLE_TOKEN, json=google_token_body("fresh-access"))

    _provider(calendars).event_put(event_body())

    assert token.call_count == 1
    assert "grant_type=refresh_token" in token.last_request.text
    assert "refresh_token=google-refresh" in token.last_request.text
    assert requests_mock.last_request.headers["Authorization"] == "Bearer fresh-access"
    connection = CalendarConnection.objects.get(pk=calendars.google.pk)
    assert connection.access_token == "fresh-access"
    assert connection.refresh_token == "google-refresh"  # Google sent none: kept


def test_a_second_401_after_the_refresh_is_an_auth_error(calendars, requests_mock):
    from meetings.calendar_sync.providers.base import CalendarAuthError

    requests_mock.post(EVENTS, json=INVALID_CREDENTIALS, status_code=401)
    token = requests_mock.post(GOOGLE_TOKEN, json=google_token_body("fresh-access"))

    with pytest.raises(CalendarAuthError):
        _provider(calendars).event_put(event_body())
    assert token.call_count == 1


def test_the_factory_draws_on_the_shared_limiter():
    limiter = FACTORY_LIMITER(10.0)

    assert limiter.prefix == RATE_PREFIX
    assert (
        limiter.rates
        == settings.LIVEROLL_CALENDAR_RATE_LIMITS
        == {
            "google": 10.0,
            "microsoft": 16.0,
        }
    )


def test_rate_limit_403_waits_retry_after_and_holds_the_shared_bucket(
    calendars, requests_mock, limiter_clock
):
    # given
    provider = _provider(calendars)
    provider.client.sleep = limiter_clock.sleep
    started = limiter_clock()
    requests_mock.post(
        EVENTS,
        [
            {"json": RATE_LIMITED, "status_code": 403, "headers": {"Retry-After": "7"}},
            {"json": google_event()},
        ],
    )

    written = provider.event_put(event_body())

    # then: it waited what Google said, and every process calling this calendar waits too
    # (one bucket per connection)
    assert written.remote_id == KEY
    assert limiter_clock.sleeps == [7.0]
    bucket = provider.client.limiter.key(
        f"{calendars.world.schema}:{calendars.google.pk}", "google"
    )
    server = redis.Redis.from_url(settings.REDIS_URL)
    assert float(server.hget(bucket, "hold")) == (started + 7) * 1000


def test_429_out_of_retries_is_rate_limited_with_retry_after(calendars, requests_mock):
    requests_mock.post(
        EVENTS,
        json=google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
        status_code=429,
        headers={"Retry-After": "2"},
    )
    provider = _provider(calendars)
    provider.client._max_retries = 1

    with pytest.raises(CalendarRateLimited) as raised:
        provider.event_put(event_body())

    assert raised.value.retry_after == 2.0
    assert requests_mock.call_count == 2


def test_5xx_is_retried_with_backoff(calendars, requests_mock):
    sleeps = []
    requests_mock.put(
        f"{EVENTS}/{KEY}",
        [
            {"json": google_error(500, "backendError", "Backend Error"), "status_code": 500},
            {"json": google_error(503, "backendError", "Backend Error"), "status_code": 503},
            {"json": google_event()},
        ],
    )

    _provider(calendars, sleeps).event_put(event_body(), remote_id=KEY)

    assert len(sleeps) == 2 and all(0 <= s <= 8 for s in sleeps)


def test_invalid_grant_marks_needs_reconnect_and_forgets_tokens(calendars, requests_mock):
    # given: the stored access token has expired, and Google revoked the grant
    with schema_context(calendars.world.schema):
        CalendarConnection.objects.filter(pk=calendars.google.pk).update(expires_at=None)
    requests_mock.post(
        GOOGLE_TOKEN,
        status_code=400,
        json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )

    with pytest.raises(CalendarGrantRevoked):
        _provider(calendars).event_put(event_body())

    connection = CalendarConnection.objects.get(pk=calendars.google.pk)
    assert connection.status == CalendarConnection.Status.NEEDS_RECONNECT
    assert (connection.access_token, connection.refresh_token) == ("", "")
    assert not requests_mock.called or all(
        r.url.startswith(GOOGLE_TOKEN) for r in requests_mock.request_history
    )
    assert connection.last_error == "needs_reconnect"  # the code the app reads, not words


def test_an_id_held_by_an_unwritable_deleted_event_gives_way_to_a_derived_one(
    calendars, requests_mock
):
    # given: the person deleted the event; Google keeps its id (insert: 409) and refuses to
    # write the cancelled event (403 forbidden)
    requests_mock.put(
        f"{EVENTS}/old-id", json=google_error(403, "forbidden", "Forbidden"), status_code=403
    )
    requests_mock.put(
        f"{EVENTS}/{KEY}", json=google_error(403, "forbidden", "Forbidden"), status_code=403
    )
    inserted = []

    def insert(request, context):
        event_id = request.json()["id"]
        inserted.append(event_id)
        if event_id == KEY:
            context.status_code = 409
            return DUPLICATE
        return google_event(event_id)

    requests_mock.post(EVENTS, json=insert)

    written = _provider(calendars).event_put(event_body(), remote_id="old-id")
    again = _provider(calendars).event_put(event_body(), remote_id="old-id")  # a retry

    # then: a new id, base32hex, derived from the key and the id given up on: a retry finds it
    assert written.remote_id == again.remote_id != KEY
    assert written.remote_id.startswith(KEY) and set(written.remote_id) <= set(
        "0123456789abcdefghijklmnopqrstuv"
    )
    assert inserted == [KEY, written.remote_id, KEY, written.remote_id]


def test_events_find_gets_each_key_and_skips_the_deleted_and_the_never_made(
    calendars, requests_mock
):
    # given: events.get by our id (the event id IS the key): one made, one never made (404),
    # one deleted there (kept as "cancelled") whose derived id was never written either, and
    # one deleted whose id gave way to the derived one (`_insert`)
    made, never, deleted, moved = (c * 26 for c in "abcd")

    def derived(key):  # the id written when the key's is held by a deleted event
        return key + hashlib.sha256(key.encode()).hexdigest()[:10]

    requests_mock.get(f"{EVENTS}/{made}", json=google_event(made))
    for event_id in (never, derived(deleted)):
        requests_mock.get(f"{EVENTS}/{event_id}", json=NOT_FOUND, status_code=404)
    requests_mock.get(f"{EVENTS}/{deleted}", json=google_event(deleted, status="cancelled"))
    requests_mock.get(f"{EVENTS}/{moved}", json=google_event(moved, status="cancelled"))
    requests_mock.get(f"{EVENTS}/{derived(moved)}", json=google_event(derived(moved)))

    found = _provider(calendars).events_find([made, never, deleted, moved])

    assert found == {made: [made], moved: [derived(moved)]}
    assert {r.method for r in requests_mock.request_history} == {"GET"}
