"""Calendars and availability in Chromium against daphne, in English at 1200 px and in Bengali
at 390 px: a teacher's profile lists their connected calendars (Google connected with its
events, Outlook needing reconnecting while the school has turned it off), reads the provider's
return, and disconnects Outlook (asked first); a student sees their sync's progress; a parent
is offered Reconnect; the admin is offered "Connect Google Calendar" and is taken to Google's
consent page, enters and turns on the Microsoft app (refused first without its id and secret,
the secret never shown again) and changes school hours; the schedule form warns of a clash
with the class's session and suggests free times within school hours, grouped by day in the
teacher's timezone, one of which fills the start; moving the session is no clash with itself.
The calendars, connections and session are made with the models directly; in the first test
nothing reaches a provider but the browser's one step to Google's consent page, which the
driver answers itself. In the second, through the sandbox's calendar stand-in, "Connect Google
Calendar" goes to its consent page: Cancel comes back with the refusal, Allow with Google
connected. Driven through frontend/tests/calendars.mjs; skipped like the SPA smoke when
Node.js, the build or Chromium is missing."""

import json
import uuid
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings.calendar_sync.models import CalendarApp, CalendarConnection, SyncedEvent
from meetings.models import Meeting, SchedulingPolicy
from tenants.accounts.models import User
from tenants.models import Organisation
from zoom_sandbox.calendars import DEMO_APPS
from zoom_sandbox.server import SandboxServer

from .browser import browser_walk
from .conftest import PASSWORD
from .support import committed, daphne_start, daphne_stop
from .test_spa_smoke import SMOKE_SKIPPED

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(SMOKE_SKIPPED is not None, reason=SMOKE_SKIPPED or ""),
]

SCHOOL_ZONE = "Asia/Dhaka"
TEACHER_ZONE = "Europe/London"  # the teacher's own: slots and the form are in it
HOURS = (time(9, 0), time(15, 0), [0, 1, 2, 3, 4])  # Monday to Friday, 09:00-15:00 in Dhaka
GOOGLE_CLIENT = "alpha-calendar.apps.googleusercontent.com"
MICROSOFT_SECRET = "ms-secret-never-shown"


def _next_school_day(after: date) -> date:
    day = after + timedelta(days=2)
    while day.weekday() not in HOURS[2]:
        day += timedelta(days=1)
    return day


@pytest.fixture
def calendars_world(worlds):
    """alpha in Dhaka with school hours; Google's app on (Microsoft's off); the teacher's
    Google connected with three events written and Outlook needing reconnecting; the student's
    Google in the middle of a sync; the parent's Google needing reconnecting; a class session
    on a school day at 11:00 Dhaka. Committed; put back afterwards, with the sign-ins' traces."""
    from django.contrib.sessions.models import Session

    from tenants.audit.models import AuditEntry

    world = worlds["a"]
    people = [world.users[r] for r in ("admin", "teacher", "student", "parent")]
    now = timezone.now()
    clash_day = _next_school_day(now.astimezone(ZoneInfo(SCHOOL_ZONE)).date())
    clash_start = datetime.combine(clash_day, time(11, 0), ZoneInfo(SCHOOL_ZONE))

    def create():
        before_org = (
            Organisation.objects.filter(pk=world.org.pk).values_list("timezone", flat=True).get()
        )
        Organisation.objects.filter(pk=world.org.pk).update(timezone=SCHOOL_ZONE)
        with schema_context(world.schema):
            before = (
                AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
                set(Session.objects.values_list("session_key", flat=True)),
                dict(
                    User.objects.filter(pk__in=[p.pk for p in people]).values_list(
                        "pk", "last_login"
                    )
                ),
                dict(
                    User.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "timezone")
                ),
            )
            User.objects.filter(pk=world.users["teacher"].pk).update(timezone=TEACHER_ZONE)
            SchedulingPolicy.objects.update_or_create(
                singleton=True,
                defaults={"day_start": HOURS[0], "day_end": HOURS[1], "school_days": HOURS[2]},
            )
            CalendarApp.objects.create(
                provider="google",
                client_id=GOOGLE_CLIENT,
                client_secret="google-secret",
                enabled=True,
            )
            CalendarApp.objects.create(
                provider="microsoft", client_id="", client_secret="", enabled=False
            )
            google = CalendarConnection.objects.create(
                user=world.users["teacher"],
                provider="google",
                account_email="alpha.teacher@gmail.com",
                refresh_token="refresh",
                last_sync_at=now - timedelta(hours=1),
                last_error="failed:2",  # the server's code: two sessions not written
            )
            SyncedEvent.objects.bulk_create(
                SyncedEvent(
                    connection=google, key=f"liveroll{i}", remote_id=f"ev{i}", written_at=now
                )
                for i in range(3)
            )
            CalendarConnection.objects.create(
                user=world.users["teacher"],
                provider="microsoft",
                status=CalendarConnection.Status.NEEDS_RECONNECT,
                account_email="teacher@alpha.onmicrosoft.com",
                last_error="needs_reconnect",  # the server's code
            )
            CalendarConnection.objects.create(
                user=world.users["student"],
                provider="google",
                account_email="alpha.student@gmail.com",
                refresh_token="refresh",
                sync_started_at=now,
                sync_total=200,
                sync_done=40,
            )
            CalendarConnection.objects.create(
                user=world.users["parent"],
                provider="google",
                status=CalendarConnection.Status.NEEDS_RECONNECT,
                account_email="alpha.parent@gmail.com",
            )
            meeting = Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Algebra revision",
                start_time=clash_start,
                duration_minutes=60,
                timezone=SCHOOL_ZONE,
                zoom_meeting_id="86000000777",
            )
            return meeting.pk, before, before_org

    meeting_id, before, before_org = committed(create)
    yield world, clash_start, meeting_id

    def delete():
        last, sessions, logins, zones = before
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()
            CalendarConnection.objects.all().delete()
            CalendarApp.objects.all().delete()
            SchedulingPolicy.objects.all().delete()
            AuditEntry.objects.filter(pk__gt=last).delete()
            Session.objects.exclude(session_key__in=sessions).delete()
            for pk, login in logins.items():
                User.objects.filter(pk=pk).update(last_login=login, timezone=zones[pk])
        Organisation.objects.filter(pk=world.org.pk).update(timezone=before_org)

    committed(delete)


def _languages(world, language: str) -> dict[int, str]:
    def run():
        with schema_context(world.schema):
            people = User.objects.filter(pk__in=[u.pk for u in world.users.values()])
            before = dict(people.values_list("pk", "language"))
            people.update(language=language)
            return before

    return committed(run)


def _languages_back(world, before: dict[int, str]) -> None:
    def run():
        with schema_context(world.schema):
            for pk, language in before.items():
                User.objects.filter(pk=pk).update(language=language)

    committed(run)


def _walk(world, tmp_path, visits: list[dict], port: int | None = None) -> dict[str, dict]:
    """frontend/tests/calendars.mjs through a real daphne; each visit's report by name."""
    return browser_walk(
        world,
        tmp_path,
        script="calendars.mjs",
        env_prefix="CAL",
        visits=visits,
        port=port,
        timeout=400,
    )


def _in_school_hours(start: datetime, minutes: int) -> bool:
    local = start.astimezone(ZoneInfo(SCHOOL_ZONE))
    end = local + timedelta(minutes=minutes)
    return (
        local.weekday() in HOURS[2]
        and HOURS[0] <= local.time()
        and end.time() <= HOURS[1]
        and end.date() == local.date()
    )


@pytest.mark.parametrize(("language", "width"), [("en", 1200), ("bn", 390)])
def test_calendars_connections_apps_hours_and_scheduling_help(
    calendars_world, tmp_path, language, width
):
    # given: alpha's calendars, school hours and a session (the fixture), everyone in `language`
    world, clash_start, meeting_id = calendars_world
    before = _languages(world, language)
    clash_local = clash_start.astimezone(ZoneInfo(TEACHER_ZONE))
    visit = lambda name, role, steps, **extra: {  # noqa: E731 - a table of visits
        "name": f"{name}-{language}",
        "email": world.users[role].email,
        "password": PASSWORD,
        "language": language,
        "width": width,
        "steps": steps,
        **extra,
    }

    # when: each opens their part
    try:
        seen = _walk(
            world,
            tmp_path,
            [
                visit(
                    "teacher",
                    "teacher",
                    ["profile", "disconnect", "schedule", "reschedule"],
                    returnQuery="?calendar=error&reason=denied",
                    disconnect="microsoft",
                    schedule={
                        "classId": str(world.school_class.pk),
                        "date": clash_local.date().isoformat(),
                        "time": clash_local.strftime("%H:%M"),
                        "range": "twoWeeks",
                    },
                    reschedule={"meetingId": str(meeting_id)},
                ),
                visit("student", "student", ["profile"]),
                visit("parent", "parent", ["profile"], returnQuery="?calendar=connected"),
                visit(
                    "admin",
                    "admin",
                    ["adminCalendars", "hours", "profile", "connect"],
                    app={
                        "provider": "microsoft",
                        "clientId": "00000000-aaaa-bbbb-cccc-000000000001",
                        "secret": MICROSOFT_SECRET,
                    },
                    hours={"end": "16:00", "toggle": [5]},
                    connect="google",
                ),
            ],
        )
    finally:
        _languages_back(world, before)
    bn = language == "bn"

    # then: the teacher sees Google connected with its three events, Outlook needing
    # reconnecting without Reconnect (the school turned it off), and the provider's refusal
    teacher = seen[f"teacher-{language}"]
    shown = teacher["profile"]
    google = shown["providers"]["google"]["connection"]
    assert google["status"] == "ACTIVE" and google["sync"] and google["disconnect"]
    assert "alpha.teacher@gmail.com" in google["account"]
    assert ("৩" if bn else "3 events") in google["facts"]
    assert google["progress"] is None
    assert ("(2টি)" if bn else "Some sessions (2) could not be written") in google["lastError"]
    outlook = shown["providers"]["microsoft"]["connection"]
    assert outlook["status"] == "NEEDS_RECONNECT" and outlook["reconnect"] is False
    assert outlook["needsReconnect"] and outlook["lastError"] is None
    assert shown["notice"] == (
        "ক্যালেন্ডার সংযুক্ত হয়নি: অনুমতি দেওয়া হয়নি।"
        if bn
        else "The calendar was not connected: access was not allowed."
    )
    assert shown["address"] == "/app/profile#calendars" and shown["sectionInView"] is True
    assert shown["polling"] == "no"

    # and: disconnecting Outlook was asked first, and it goes (or is being removed)
    gone = teacher["disconnect"]
    assert (
        "মুছে ফেলা হবে" if bn else "The events it wrote will be removed from that calendar."
    ) in gone["body"]
    after = gone["after"]["providers"]["microsoft"]["connection"]
    assert after is None or after["status"] == "DISCONNECTING"

    # and: the schedule form warns of the class's session at that time, by its title, asking
    # once for the form as it opened and at most twice more for a date and a time typed key by key
    assert teacher["schedule"]["asked"]["atLoad"] == 1
    assert 1 <= teacher["schedule"]["asked"]["typing"] <= 2
    clash = teacher["schedule"]["clash"]
    assert clash["warning"] is True
    assert any("Algebra revision" in line["text"] for line in clash["lines"])

    # and: it suggests times within school hours in Dhaka, grouped by the teacher's London days,
    # none at the session's time; the first fills the start, which clashes with nothing
    suggest = teacher["schedule"]["suggest"]
    assert suggest["errors"] == [] and suggest["days"]
    starts = [datetime.fromisoformat(s) for day in suggest["days"] for s in day["starts"]]
    assert all(_in_school_hours(s, 60) for s in starts)
    assert all(abs((s - clash_start).total_seconds()) >= 3600 for s in starts)
    for day in suggest["days"]:
        assert {
            datetime.fromisoformat(s).astimezone(ZoneInfo(TEACHER_ZONE)).date().isoformat()
            for s in day["starts"]
        } == {day["day"]}
    chosen = teacher["schedule"]["chosen"]
    first = starts[0].astimezone(ZoneInfo(TEACHER_ZONE))
    assert (chosen["date"], chosen["time"]) == (first.date().isoformat(), first.strftime("%H:%M"))
    assert chosen["pressed"] == "true"
    assert chosen["clash"]["none"] is True

    # and: moving the session, its own time is no clash with itself; suggestions are offered
    moved = teacher["reschedule"]["itself"]
    assert moved["none"] is True and moved["lines"] == [] and moved["suggest"] is True

    # then: the student's sync shows its progress, and the page keeps reading it
    student = seen[f"student-{language}"]["profile"]
    syncing = student["providers"]["google"]["connection"]
    assert syncing["progress"] is not None and syncing["progressValue"] == "40"
    assert student["polling"] == "yes"
    assert student["providers"]["microsoft"]["unavailable"] is not None

    # then: the parent is offered Reconnect, and told the calendar connected on return
    parent = seen[f"parent-{language}"]["profile"]
    assert parent["providers"]["google"]["connection"]["reconnect"] is True
    assert parent["notice"] is not None and parent["address"] == "/app/profile#calendars"

    # then: the admin's Calendars tab shows Google's stored secret as "set", its redirect URL
    # and one person connected; Microsoft turned on without id and secret is refused by field,
    # then saved with them, its secret never shown again
    admin = seen[f"admin-{language}"]
    apps = admin["apps"]
    assert (
        apps["before"]["google"]["secretSet"] is True
        and apps["before"]["google"]["clientId"] == GOOGLE_CLIENT
    )
    assert apps["before"]["google"]["redirect"].startswith(f"http://{world.host}")
    assert (
        apps["before"]["google"]["tenant"] is None
        and apps["before"]["microsoft"]["tenant"] == "common"
    )
    assert apps["before"]["google"]["connected"] is not None
    assert len(apps["refused"]) == 2
    assert (
        apps["after"]["microsoft"]["saved"] is True and apps["after"]["microsoft"]["errors"] == []
    )
    assert (
        apps["after"]["microsoft"]["secretSet"] is True
        and apps["after"]["microsoft"]["enabled"] == "yes"
    )
    assert MICROSOFT_SECRET not in json.dumps(apps["after"])

    def stored_app():
        with schema_context(world.schema):
            app = CalendarApp.objects.get(provider="microsoft")
            return app.client_id, app.client_secret, app.enabled

    assert committed(stored_app) == ("00000000-aaaa-bbbb-cccc-000000000001", MICROSOFT_SECRET, True)

    # and: school hours as stored, changed to end at 16:00 and include Saturday
    hours = admin["hours"]
    assert hours["before"]["start"] == "09:00" and hours["before"]["end"] == "15:00"
    assert hours["before"]["days"] == [0, 1, 2, 3, 4]
    assert SCHOOL_ZONE in hours["before"]["intro"]
    assert hours["after"]["saved"] is True

    def stored_hours():
        with schema_context(world.schema):
            policy = SchedulingPolicy.objects.get()
            return policy.day_start, policy.day_end, sorted(policy.school_days)

    assert committed(stored_hours) == (time(9, 0), time(16, 0), [0, 1, 2, 3, 4, 5])

    # and: the admin, connecting Google, is sent to Google's consent page for alpha's app
    authorize = urlsplit(admin["connect"]["authorize"])
    assert authorize.path.endswith("/o/oauth2/v2/auth")
    assert parse_qs(authorize.query)["client_id"] == [GOOGLE_CLIENT]


@pytest.fixture
def stand_in(worlds):
    """Google's app of alpha at the sandbox's calendar stand-in, daphne allowed to call it (and
    its own queue: the sync it asks for waits there, untouched). Undone afterwards."""
    from django.contrib.sessions.models import Session

    from tenants.audit.models import AuditEntry

    world = worlds["a"]
    with SandboxServer(log=lambda line: None) as sandbox:
        env = {
            "DRAMATIQ_NAMESPACE": f"liveroll-test-calendar-app-{uuid.uuid4().hex[:8]}",
            "LIVEROLL_CALENDAR_ALLOWED_STAND_INS": sandbox.url,
        }
        web, port = daphne_start(env)
        client_id, secret = DEMO_APPS["google"]

        def arrange():
            with schema_context(world.schema):
                CalendarApp.objects.create(
                    provider="google",
                    client_id=client_id,
                    client_secret=secret,
                    stand_in=sandbox.url,
                )
                return (
                    AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
                    set(Session.objects.values_list("session_key", flat=True)),
                    world.users["admin"].last_login,
                )

        last, sessions, login = committed(arrange)
        try:
            yield world, port
        finally:
            daphne_stop(web)

            def clean():
                with schema_context(world.schema):
                    CalendarConnection.objects.all().delete()
                    CalendarApp.objects.all().delete()
                    AuditEntry.objects.filter(pk__gt=last).delete()
                    Session.objects.exclude(session_key__in=sessions).delete()
                    User.objects.filter(pk=world.users["admin"].pk).update(last_login=login)

            committed(clean)


@pytest.mark.parametrize(("language", "width"), [("en", 1200), ("bn", 390)])
def test_connecting_google_through_its_consent_page_lands_back_on_the_profile(
    stand_in, tmp_path, language, width
):
    # given: Google's app at the stand-in; the admin has no calendar connected
    world, port = stand_in
    before = _languages(world, language)

    # when: the admin presses "Connect Google Calendar", cancels at the consent page, then
    # connects again and allows
    try:
        seen = _walk(
            world,
            tmp_path,
            [
                {
                    "name": f"admin-stand-in-{language}",
                    "email": world.users["admin"].email,
                    "password": PASSWORD,
                    "language": language,
                    "width": width,
                    "steps": ["roundTrip"],
                    "roundTrip": {"provider": "google", "email": "alpha.admin@gmail.test"},
                }
            ],
            port=port,
        )
    finally:
        _languages_back(world, before)

    # then: the refusal is said, and the address is clean again
    trip = seen[f"admin-stand-in-{language}"]["roundTrip"]
    denied = trip["denied"]
    assert denied["notice"] == (
        "ক্যালেন্ডার সংযুক্ত হয়নি: অনুমতি দেওয়া হয়নি।"
        if language == "bn"
        else "The calendar was not connected: access was not allowed."
    )
    assert denied["providers"]["google"]["connection"] is None
    assert denied["address"] == "/app/profile#calendars"

    # and: allowed, Google is connected with the account chosen at the provider
    connected = trip["connected"]
    google = connected["providers"]["google"]["connection"]
    assert google["status"] == "ACTIVE" and "alpha.admin@gmail.test" in google["account"]
    assert connected["notice"] == (
        "আপনার ক্যালেন্ডার সংযুক্ত হয়েছে। আপনার ক্লাসগুলো সেখানে যোগ করা হচ্ছে।"
        if language == "bn"
        else "Your calendar is connected. Your classes are being written to it."
    )

    def stored():
        with schema_context(world.schema):
            row = CalendarConnection.objects.get(user=world.users["admin"], provider="google")
            return row.status, row.account_email, bool(row.refresh_token)

    assert committed(stored) == ("active", "alpha.admin@gmail.test", True)
