"""Suggested times and clashes over GraphQL (`suggestSlots`, `schedulingClashes`, the clashes
of `scheduleMeeting` / `updateMeeting`) and the school hours (`schedulingPolicy`,
`setSchedulingPolicy`): school hours in the school's timezone across daylight-saving weeks, busy
sessions of each kind avoided and flagged, titles only for sessions the viewer may see, the
teachers' connected calendars, who may ask, and one school never seeing another's sessions."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from meetings.availability_selectors import MAX_CALENDAR_REQUESTS
from meetings.calendar_sync.models import CalendarApp, CalendarConnection, Provider
from meetings.calendar_sync.selectors import ERROR_NEEDS_RECONNECT
from meetings.calendar_sync.services import calendar_sync
from meetings.models import Meeting, SchedulingPolicy
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create
from tenants.audit.models import AuditEntry
from tenants.mail.models import OutboundMail
from tenants.models import Organisation
from tenants.school.services import class_create, class_enrol

SUGGEST = """
query($classId: ID!, $minutes: Int!, $from: DateTime!, $to: DateTime!, $first: Int! = 20) {
  suggestSlots(classId: $classId, durationMinutes: $minutes, from: $from, to: $to, first: $first) {
    slots { start end } timezone calendarChecked calendarProblem
  }
}"""

CLASHES = """
query($classId: ID!, $start: DateTime!, $minutes: Int!, $recurrence: RecurrenceInput,
      $timezone: String, $meetingId: ID) {
  schedulingClashes(classId: $classId, start: $start, durationMinutes: $minutes,
                    recurrence: $recurrence, timezone: $timezone, meetingId: $meetingId) {
    kind start end title meetingId occurrenceStart
  }
}"""

POLICY = "{ schedulingPolicy { teachersMayAddressSchool dayStart dayEnd schoolDays timezone } }"
SET_POLICY = """
mutation($on: Boolean, $start: String, $end: String, $days: [Int!]) {
  setSchedulingPolicy(teachersMayAddressSchool: $on, dayStart: $start, dayEnd: $end,
                      schoolDays: $days) {
    policy { teachersMayAddressSchool dayStart dayEnd schoolDays timezone }
    errors { field message code }
  }
}"""

DHAKA = "Asia/Dhaka"
# Times are asked about within the scheduling horizon (two years ahead): a Monday three weeks
# from today, and the daylight-saving changes of next year. School days are Monday to Friday,
# 08:00-18:00 (the defaults).
_TODAY = date.today()
MONDAY = _TODAY + timedelta(days=21 - _TODAY.weekday())
NEXT_YEAR = _TODAY.year + 1


def _sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of the month (-1: the last)."""
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    sundays = [d for d in days if d.weekday() == 6]
    return sundays[nth if nth < 0 else nth - 1]


# New York changes on the second Sunday of March and the first of November; London on the last
# Sundays of March and October.
NY_SPRING = _sunday(NEXT_YEAR, 3, 2)
NY_AUTUMN = _sunday(NEXT_YEAR, 11, 1)
LONDON_SPRING = _sunday(NEXT_YEAR, 3, -1)
LONDON_AUTUMN = _sunday(NEXT_YEAR, 10, -1)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _z(value: datetime) -> str:
    """As Google writes times: RFC 3339 in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _school_zone(world, tz: str) -> None:
    Organisation.objects.filter(pk=world.org.pk).update(timezone=tz)


def _at(day: date, hour: int, minute: int = 0, tz: str = DHAKA) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz))


def _session(world, *, start, minutes=60, school_class=None, host=None, title="Busy", **extra):
    with schema_context(world.schema):
        return Meeting.objects.create(
            school_class=school_class,
            host=host or world.users["teacher"],
            title=title,
            start_time=start,
            duration_minutes=minutes,
            **extra,
        )


def _other_class(world, *, student=None, name="Chemistry"):
    """Another class of the school with a teacher of its own, `student` (default: the world's
    student) enrolled."""
    with schema_context(world.schema):
        teacher = user_create(
            email=f"{name.lower()}@{world.org.slug}.test", password="x" * 12, role=Role.TEACHER
        )
        other = class_create(name=name, teachers=[teacher])
        class_enrol(school_class=other, students=[student or world.users["student"]])
        return other, teacher


def _suggest(gql, world, role="teacher", *, day=MONDAY, days=1, minutes=60, first=20, tz=DHAKA):
    start = _at(day, 0, tz=tz)
    data = gql(world, role).ok(
        SUGGEST,
        classId=str(world.school_class.pk),
        minutes=minutes,
        **{"from": _iso(start), "to": _iso(start + timedelta(days=days))},
        first=first,
    )
    return data["suggestSlots"]


def _clashes(gql, world, role="teacher", **variables):
    variables.setdefault("classId", str(world.school_class.pk))
    variables.setdefault("minutes", 60)
    return gql(world, role).ok(CLASHES, **variables)["schedulingClashes"]


# --- suggestions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "thursday", "changes"),
    [
        ("America/New_York", NY_SPRING - timedelta(days=3), True),
        ("America/New_York", NY_AUTUMN - timedelta(days=3), True),
        ("Europe/London", LONDON_SPRING - timedelta(days=3), True),
        ("Europe/London", LONDON_AUTUMN - timedelta(days=3), True),
        (DHAKA, LONDON_SPRING - timedelta(days=3), False),  # no change
    ],
)
def test_a_daylight_saving_week_is_suggested_at_the_same_school_hour(
    alpha, gql, tz, thursday, changes
):
    # given: the school is in `tz`; its day starts at 08:00 (the default)
    _school_zone(alpha, tz)

    # when: five suggestions over a week (one per school day)
    found = _suggest(gql, alpha, day=thursday, days=7, first=5, tz=tz)

    # then: 08:00 by the school's clock every day, Thursday to Wednesday
    zone = ZoneInfo(tz)
    starts = [_parse(s["start"]) for s in found["slots"]]
    assert found["timezone"] == tz
    assert [s.astimezone(zone).strftime("%a %H:%M") for s in starts] == [
        "Thu 08:00",
        "Fri 08:00",
        "Mon 08:00",
        "Tue 08:00",
        "Wed 08:00",
    ]
    offsets = {s.astimezone(zone).utcoffset() for s in starts}
    assert len(offsets) == (2 if changes else 1)


def test_school_hours_and_days_are_respected(alpha, gql):
    # given: 09:30-12:00, Sunday to Thursday, in Dhaka
    _school_zone(alpha, DHAKA)
    with schema_context(alpha.schema):
        SchedulingPolicy.objects.create(
            day_start=time(9, 30), day_end=time(12), school_days=[6, 0, 1, 2, 3]
        )

    # when: a week, as many as may be
    found = _suggest(gql, alpha, day=MONDAY - timedelta(days=1), days=7, minutes=45, first=50)

    # then
    zone = ZoneInfo(DHAKA)
    slots = [
        (_parse(s["start"]).astimezone(zone), _parse(s["end"]).astimezone(zone))
        for s in found["slots"]
    ]
    assert len(slots) == 15  # three a day (not overlapping) on five days
    assert {start.weekday() for start, _ in slots} == {6, 0, 1, 2, 3}
    assert all(time(9, 30) <= s.time() and e.time() <= time(12) for s, e in slots)


def test_busy_sessions_of_every_kind_are_avoided_and_cancelled_ones_are_not(alpha, gql):
    # given: a Monday in Dhaka with the class at 08:00, its teacher's own meeting at 09:00, the
    # student's other class at 10:00, and a cancelled session at 11:00
    _school_zone(alpha, DHAKA)
    other, other_teacher = _other_class(alpha)
    _session(alpha, start=_at(MONDAY, 8), school_class=alpha.school_class)
    _session(alpha, start=_at(MONDAY, 9))
    _session(alpha, start=_at(MONDAY, 10), school_class=other, host=other_teacher)
    _session(
        alpha,
        start=_at(MONDAY, 11),
        school_class=alpha.school_class,
        status=Meeting.Status.CANCELLED,
    )

    # when
    found = _suggest(gql, alpha, first=3)

    # then: 11:00 is free again (cancelled); 08:00-10:59 are not
    zone = ZoneInfo(DHAKA)
    assert [_parse(s["start"]).astimezone(zone).strftime("%H:%M") for s in found["slots"]] == [
        "11:00",
        "12:00",
        "13:00",
    ]


def test_nothing_is_suggested_in_the_past(alpha, gql):
    today = datetime.now(UTC).date()
    found = _suggest(gql, alpha, role="admin", day=today - timedelta(days=10), days=9)

    assert found["slots"] == []


def test_bad_windows_are_refused_with_a_reason(alpha, gql):
    client = gql(alpha, "teacher")
    start = _at(MONDAY, 0)
    cases = [
        ({"from": _iso(start), "to": _iso(start - timedelta(hours=1))}, 60, "before its start"),
        ({"from": _iso(start), "to": _iso(start + timedelta(days=90))}, 60, "62 days"),
        ({"from": _iso(start), "to": _iso(start + timedelta(days=1))}, 0, "1 minute to 24 hours"),
        ({"from": "9999-12-30T00:00:00+00:00", "to": "9999-12-31T00:00:00+00:00"}, 60, "ahead"),
        (
            {"from": _iso(start.replace(tzinfo=None)), "to": _iso(start.replace(tzinfo=None))},
            60,
            "need a timezone",
        ),
    ]
    for window, minutes, message in cases:
        body = client(SUGGEST, classId=str(alpha.school_class.pk), minutes=minutes, **window)
        assert message in body["errors"][0]["message"]


def test_first_is_capped(alpha, gql):
    found = _suggest(gql, alpha, days=30, minutes=15, first=1000)

    assert len(found["slots"]) == 50


def test_the_number_of_queries_does_not_grow_with_the_students(alpha, gql):
    # given: the class, then the class with ten more students each in a class of their own
    def queries():
        with CaptureQueriesContext(connection) as captured:
            _suggest(gql, alpha)
        return len(captured)

    before = queries()
    with schema_context(alpha.schema):
        for n in range(10):
            student = user_create(
                email=f"extra{n}@alpha.test", password="x" * 12, role=Role.STUDENT
            )
            class_enrol(school_class=alpha.school_class, students=[student])
    for n in range(10):
        with schema_context(alpha.schema):
            student = alpha.school_class.students.get(email=f"extra{n}@alpha.test")
        other, teacher = _other_class(alpha, student=student, name=f"Extra {n}")
        _session(alpha, start=_at(MONDAY, 9), school_class=other, host=teacher)

    # when / then
    assert queries() == before


# --- clashes ---------------------------------------------------------------------------------------


def test_a_clash_is_flagged_for_each_kind_with_titles_the_viewer_may_see(alpha, gql):
    # given: at Monday 10:00 (Dhaka) the class has a session, its teacher hosts a meeting of no
    # class, and the student is in another class (whose sessions the teacher may not see)
    _school_zone(alpha, DHAKA)
    other, other_teacher = _other_class(alpha)
    own = _session(alpha, start=_at(MONDAY, 10), school_class=alpha.school_class, title="Algebra")
    personal = _session(alpha, start=_at(MONDAY, 10, 30), title="Staff meeting")
    theirs = _session(
        alpha, start=_at(MONDAY, 9, 30), school_class=other, host=other_teacher, title="Titration"
    )
    _session(alpha, start=_at(MONDAY, 11), school_class=alpha.school_class)  # just after

    # when: a class planned at 10:00 for an hour, asked by the teacher and by an admin
    as_teacher = _clashes(gql, alpha, start=_iso(_at(MONDAY, 10)))
    as_admin = _clashes(gql, alpha, "admin", start=_iso(_at(MONDAY, 10)))

    # then
    def shape(rows):
        return sorted((r["kind"], r["title"], r["meetingId"]) for r in rows)

    assert shape(as_teacher) == [
        ("CLASS_SESSION", "Algebra", str(own.pk)),
        ("STUDENT_SESSION", None, None),
        ("TEACHER_SESSION", "Staff meeting", str(personal.pk)),
    ]
    assert ("STUDENT_SESSION", "Titration", str(theirs.pk)) in shape(as_admin)
    student_clash = next(r for r in as_teacher if r["kind"] == "STUDENT_SESSION")
    assert _parse(student_clash["start"]) == _at(MONDAY, 9, 30)
    assert _parse(student_clash["occurrenceStart"]) == _at(MONDAY, 10)


def test_every_occurrence_of_a_planned_series_is_checked(alpha, gql):
    # given: the class already meets on the second Monday at 10:00 (Dhaka)
    _school_zone(alpha, DHAKA)
    _session(alpha, start=_at(MONDAY + timedelta(weeks=1), 10), school_class=alpha.school_class)

    # when: a weekly Monday class at 10:00, three times, in the school's zone
    rows = _clashes(
        gql,
        alpha,
        start=_iso(_at(MONDAY, 10)),
        recurrence={"frequency": "WEEKLY", "weekdays": [0], "count": 3},
    )

    # then: the second occurrence clashes
    assert [(r["kind"], _parse(r["occurrenceStart"])) for r in rows] == [
        ("CLASS_SESSION", _at(MONDAY + timedelta(weeks=1), 10))
    ]


def test_a_series_in_its_own_timezone_keeps_its_wall_clock(alpha, gql):
    # given: the class meets at 09:00 New York time on the Monday after the spring change
    _school_zone(alpha, DHAKA)
    ny = "America/New_York"
    after = NY_SPRING + timedelta(days=1)
    _session(alpha, start=_at(after, 9, tz=ny), school_class=alpha.school_class)

    # when: a daily 09:00 New York class from Friday, four times
    rows = _clashes(
        gql,
        alpha,
        start=_iso(_at(NY_SPRING - timedelta(days=2), 9, tz=ny)),
        recurrence={"frequency": "DAILY", "count": 4},
        timezone=ny,
    )

    # then: Monday's occurrence (09:00 EDT, not 10:00) is the one that clashes
    assert [_parse(r["occurrenceStart"]) for r in rows] == [_at(after, 9, tz=ny)]


def test_the_session_being_moved_does_not_clash_with_itself(alpha, gql):
    moving = _session(alpha, start=_at(MONDAY, 10), school_class=alpha.school_class)

    rows = _clashes(gql, alpha, start=_iso(_at(MONDAY, 10, 30)), meetingId=str(moving.pk))
    without = _clashes(gql, alpha, start=_iso(_at(MONDAY, 10, 30)))

    assert rows == []
    assert [r["meetingId"] for r in without] == [str(moving.pk)]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"start": "0001-01-01T00:00:00+00:00"}, "a year ago"),
        ({"start": _iso(datetime.combine(MONDAY, time(10)))}, "need a timezone"),
        ({"start": _iso(_at(MONDAY, 10)), "timezone": "Mars/Olympus"}, "not a time zone"),
    ],
)
def test_bad_times_and_zones_are_refused_with_a_reason(alpha, gql, variables, message):
    body = gql(alpha, "teacher")(
        CLASHES, classId=str(alpha.school_class.pk), minutes=60, **variables
    )

    assert message in body["errors"][0]["message"]


def test_a_bad_recurrence_is_refused_with_its_reason(alpha, gql):
    body = gql(alpha, "teacher")(
        CLASHES,
        classId=str(alpha.school_class.pk),
        start=_iso(_at(MONDAY, 10)),
        minutes=60,
        recurrence={"frequency": "WEEKLY", "count": 3},
    )

    assert body["errors"][0]["message"] == "Choose at least one day of the week."


SCHEDULE = """
mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) {
    meeting { id } errors { field message code } clashes { kind title occurrenceStart }
  }
}"""


def test_scheduling_warns_about_a_clash_and_schedules_anyway(alpha, gql):
    # given: the student's other class meets at 10:00 on a Monday soon (Dhaka; scheduling
    # takes starts within the next two years only)
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=14 - today.weekday())
    other, other_teacher = _other_class(alpha)
    _session(alpha, start=_at(monday, 10), school_class=other, host=other_teacher)

    # when: the teacher schedules a weekly class at 10:30, twice (no Zoom: scheduled here)
    data = gql(alpha, "teacher").ok(
        SCHEDULE,
        input={
            "classId": str(alpha.school_class.pk),
            "title": "Geometry",
            "startTime": _iso(_at(monday, 10, 30)),
            "durationMinutes": 60,
            "timezone": DHAKA,
            "recurrence": {"frequency": "WEEKLY", "weekdays": [0], "count": 2},
        },
    )["scheduleMeeting"]

    # then: scheduled, with the one clash (not its own sessions), title hidden from the teacher
    assert data["errors"] == [] and data["meeting"]["id"]
    assert [(c["kind"], c["title"], _parse(c["occurrenceStart"])) for c in data["clashes"]] == [
        ("STUDENT_SESSION", None, _at(monday, 10, 30))
    ]
    with schema_context(alpha.schema):
        assert Meeting.objects.filter(title="Geometry").count() == 2


UPDATE = """
mutation($input: UpdateMeetingInput!) {
  updateMeeting(input: $input) { errors { message } clashes { kind meetingId } }
}"""


def test_moving_a_session_warns_about_what_it_now_clashes_with(alpha, gql):
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=14 - today.weekday())
    moving = _session(alpha, start=_at(monday, 8), school_class=alpha.school_class)
    there = _session(alpha, start=_at(monday, 10), school_class=alpha.school_class)

    data = gql(alpha, "teacher").ok(
        UPDATE, input={"meetingId": str(moving.pk), "startTime": _iso(_at(monday, 10, 30))}
    )["updateMeeting"]

    assert data == {
        "errors": [],
        "clashes": [{"kind": "CLASS_SESSION", "meetingId": str(there.pk)}],
    }


# --- the teacher's connected calendar --------------------------------------------------------------


def _google_connected(world):
    with schema_context(world.schema):
        CalendarApp.objects.create(
            provider=Provider.GOOGLE, client_id="google-client", client_secret="google-secret"
        )
        return CalendarConnection.objects.create(
            user=world.users["teacher"],
            provider=Provider.GOOGLE,
            account_email="teacher@example.com",
            calendar_id="primary",
            access_token="google-access",
            refresh_token="google-refresh",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )


def test_without_a_connected_calendar_nothing_is_checked_and_nothing_is_wrong(alpha, gql):
    found = _suggest(gql, alpha)

    assert found["calendarChecked"] is False
    assert found["calendarProblem"] is None


def test_a_calendar_busy_block_is_avoided_and_flagged(alpha, gql, requests_mock):
    # given: the teacher's Google calendar is busy 08:00-10:00 on Monday (Dhaka) and holds the
    # class's own session at 10:00-11:00 (written there by the calendar sync)
    _school_zone(alpha, DHAKA)
    _google_connected(alpha)
    _session(alpha, start=_at(MONDAY, 10), school_class=alpha.school_class, title="Algebra")
    # Google Calendar API v3 freebusy.query: POST /freeBusy answers
    # {"kind": "calendar#freeBusy", "timeMin", "timeMax", "calendars": {<id>: {"busy":
    # [{"start", "end"}]}}} (developers.google.com/calendar/api/v3/reference/freebusy/query)
    freebusy = requests_mock.post(
        "https://www.googleapis.com/calendar/v3/freeBusy",
        json={
            "kind": "calendar#freeBusy",
            "timeMin": _z(_at(MONDAY, 0)),
            "timeMax": _z(_at(MONDAY + timedelta(days=1), 0)),
            "calendars": {
                "primary": {
                    "busy": [
                        {"start": _z(_at(MONDAY, 8)), "end": _z(_at(MONDAY, 10))},
                        {"start": _z(_at(MONDAY, 10)), "end": _z(_at(MONDAY, 11))},
                    ]
                }
            },
        },
    )

    # when
    found = _suggest(gql, alpha, first=2)
    rows = _clashes(gql, alpha, start=_iso(_at(MONDAY, 9)), minutes=120)

    # then: 08:00-10:00 (the calendar) and 10:00-11:00 (the class) are not offered; the class's
    # session is flagged once, as a session, and the calendar's own block without a title
    zone = ZoneInfo(DHAKA)
    assert found["calendarChecked"] is True and found["calendarProblem"] is None
    assert [_parse(s["start"]).astimezone(zone).strftime("%H:%M") for s in found["slots"]] == [
        "11:00",
        "12:00",
    ]
    assert freebusy.called
    assert sorted((r["kind"], r["title"]) for r in rows) == [
        ("CLASS_SESSION", "Algebra"),
        ("TEACHER_CALENDAR", None),
    ]
    calendar_clash = next(r for r in rows if r["kind"] == "TEACHER_CALENDAR")
    assert (_parse(calendar_clash["start"]), _parse(calendar_clash["end"])) == (
        _at(MONDAY, 8),
        _at(MONDAY, 10),
    )


def test_a_calendar_that_fails_gives_a_reason_and_suggestions_all_the_same(
    alpha, gql, requests_mock
):
    # given: the teacher's Google calendar is connected and Google is down
    _google_connected(alpha)
    requests_mock.post("https://www.googleapis.com/calendar/v3/freeBusy", status_code=503)

    # when
    found = _suggest(gql, alpha, first=2)

    # then
    assert found["calendarChecked"] is False
    assert (
        found["calendarProblem"] == "Google Calendar could not be checked: it could not be reached"
    )
    assert len(found["slots"]) == 2


def test_a_calendar_problem_is_told_in_the_readers_language(alpha, gql, requests_mock):
    # given: a Bengali-speaking teacher whose connected Google calendar refuses the token
    _google_connected(alpha)
    with schema_context(alpha.schema):
        User.objects.filter(pk=alpha.users["teacher"].pk).update(language="bn")
    requests_mock.post("https://www.googleapis.com/calendar/v3/freeBusy", status_code=503)

    # when
    found = _suggest(gql, alpha, first=2)

    # then: the whole sentence is Bengali, the provider's English nowhere
    assert found["calendarProblem"] == "Google Calendar যাচাই করা যায়নি: এর সাথে যোগাযোগ করা যায়নি"


def test_a_revoked_grant_found_by_suggestions_is_told_to_the_teacher_once(
    alpha, gql, requests_mock
):
    # given: a Bengali-speaking teacher's Google calendar, its access token expired, and Google
    # revoked the grant: its token endpoint answers 400 invalid_grant (developers.google.com/
    # identity/protocols/oauth2/web-server, "Refreshing an access token"; the error body is
    # RFC 6749 5.2's)
    connection = _google_connected(alpha)
    with schema_context(alpha.schema):
        User.objects.filter(pk=alpha.users["teacher"].pk).update(language="bn")
        CalendarConnection.objects.filter(pk=connection.pk).update(expires_at=None)
    token = requests_mock.post(
        "https://oauth2.googleapis.com/token",
        status_code=400,
        json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    freebusy = requests_mock.post("https://www.googleapis.com/calendar/v3/freeBusy", json={})

    # when: suggestions are asked for, twice, and clashes, then the calendar's periodic sync runs
    first = _suggest(gql, alpha, first=2)
    again = _suggest(gql, alpha, first=2)
    _clashes(gql, alpha, start=_iso(_at(MONDAY, 10)))
    with schema_context(alpha.schema):
        stopped = calendar_sync(connection_id=connection.pk).stopped
        connection.refresh_from_db()
        mails = OutboundMail.objects.filter(template="calendar_signed_out")
        told = [(m.to, m.user_id) for m in mails]
        audited = AuditEntry.objects.filter(action="calendar.connection.needs_reconnect").count()

    # then: the suggestions come all the same, the reason in the teacher's language; the
    # connection holds the code the app reads, and the teacher was told once (one mail, one
    # audit entry, the notification with it), not again by the later calls or the sync
    assert first["calendarChecked"] is False and len(first["slots"]) == 2
    assert first["calendarProblem"] == "Google Calendar যাচাই করা যায়নি: এটি আবার সংযুক্ত করতে হবে"
    assert again["calendarChecked"] is False and again["calendarProblem"] is None
    assert connection.status == CalendarConnection.Status.NEEDS_RECONNECT
    assert connection.last_error == ERROR_NEEDS_RECONNECT
    assert (connection.access_token, connection.refresh_token) == ("", "")
    teacher = alpha.users["teacher"]
    assert told == [(teacher.email, teacher.pk)] and audited == 1
    assert stopped == "gone"
    assert token.call_count == 1 and not freebusy.called


def test_a_series_beyond_the_scheduling_horizon_is_refused_before_any_calendar_is_asked(
    alpha, gql, requests_mock
):
    # given: the teacher's Google calendar is connected
    _google_connected(alpha)
    freebusy = requests_mock.post("https://www.googleapis.com/calendar/v3/freeBusy", json={})

    # when: a class every ten months, sixty times (fifty years), is checked for clashes
    body = gql(alpha, "teacher")(
        CLASHES,
        classId=str(alpha.school_class.pk),
        start=_iso(_at(MONDAY, 10)),
        minutes=60,
        recurrence={"frequency": "MONTHLY", "interval": 10, "monthDay": 1, "count": 60},
    )

    # then: refused as scheduling it would be, and Google never asked
    assert body["data"] is None
    assert "classes can be scheduled until" in body["errors"][0]["message"]
    assert freebusy.call_count == 0


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, day.day)


def test_a_series_asks_the_calendar_for_its_occurrences_only_and_a_few_times_at_most(
    alpha, gql, requests_mock
):
    # given: the teacher's Google calendar is busy at the first occurrence of a monthly class
    # planned on the 2nd, twenty times (within the two years ahead scheduling allows)
    _school_zone(alpha, DHAKA)
    _google_connected(alpha)
    first_day = (MONDAY + timedelta(days=31)).replace(day=2)
    first = _at(first_day, 10)
    asked: list[tuple[datetime, datetime]] = []

    def answer(request, context):
        # Google Calendar API v3 freebusy.query (developers.google.com/calendar/api/v3/
        # reference/freebusy/query): {"timeMin", "timeMax", "items": [{"id"}]} in, the busy
        # periods of each calendar within that range out
        query = request.json()
        start, end = _parse(query["timeMin"]), _parse(query["timeMax"])
        asked.append((start, end))
        busy = [{"start": _z(first), "end": _z(first + timedelta(hours=1))}]
        return {
            "kind": "calendar#freeBusy",
            "timeMin": query["timeMin"],
            "timeMax": query["timeMax"],
            "calendars": {"primary": {"busy": busy if start <= first < end else []}},
        }

    requests_mock.post("https://www.googleapis.com/calendar/v3/freeBusy", json=answer)

    # when
    rows = _clashes(
        gql,
        alpha,
        start=_iso(first),
        recurrence={"frequency": "MONTHLY", "monthDay": 2, "count": 20},
    )

    # then: the first occurrence clashes with the calendar; Google was asked a few times, each
    # from the start of an occurrence (never the months in between as a whole)
    assert [(r["kind"], _parse(r["occurrenceStart"])) for r in rows] == [
        ("TEACHER_CALENDAR", first)
    ]
    assert 1 <= len(asked) <= MAX_CALENDAR_REQUESTS
    starts = {_at(_months_after(first_day, n), 10) for n in range(20)}
    assert all(start in starts for start, _end in asked)


# --- school hours -------------------------------------------------------------------------------------


def test_an_admin_sets_the_school_hours_and_everyone_reads_them(alpha, gql):
    _school_zone(alpha, DHAKA)
    admin = gql(alpha, "admin")

    result = admin.ok(SET_POLICY, start="07:45", end="13:30", days=[6, 0, 1, 2, 3, 3])
    read = gql(alpha, "student").ok(POLICY)["schedulingPolicy"]

    expected = {
        "teachersMayAddressSchool": False,
        "dayStart": "07:45",
        "dayEnd": "13:30",
        "schoolDays": [0, 1, 2, 3, 6],
        "timezone": DHAKA,
    }
    assert result["setSchedulingPolicy"] == {"policy": expected, "errors": []}
    assert read == expected


def test_changing_one_rule_keeps_the_others(alpha, gql):
    admin = gql(alpha, "admin")
    admin.ok(SET_POLICY, start="09:00", end="15:00")

    result = admin.ok(SET_POLICY, on=True)["setSchedulingPolicy"]["policy"]

    assert (result["teachersMayAddressSchool"], result["dayStart"], result["dayEnd"]) == (
        True,
        "09:00",
        "15:00",
    )


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"start": "8am"}, "dayStart"),
        ({"end": "24:00"}, "dayEnd"),
        ({"start": "18:00"}, "dayStart"),  # after the default end, 18:00
        ({"start": "10:00", "end": "09:00"}, "dayEnd"),
        ({"days": []}, "schoolDays"),
        ({"days": [0, 7]}, "schoolDays"),
    ],
)
def test_bad_school_hours_are_refused_per_field(alpha, gql, variables, field):
    result = gql(alpha, "admin").ok(SET_POLICY, **variables)["setSchedulingPolicy"]

    assert result["policy"] is None
    assert [e["field"] for e in result["errors"]] == [field]
    with schema_context(alpha.schema):
        assert not SchedulingPolicy.objects.exists()


def test_only_admins_set_the_school_hours(alpha, gql):
    for role in ("teacher", "student", "parent"):
        body = gql(alpha, role)(SET_POLICY, start="09:00")
        assert body["errors"][0]["message"] == "Only school admins can do that."


# --- who may ask ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["student", "parent", None])
def test_students_parents_and_strangers_are_refused(alpha, gql, role):
    start = _at(MONDAY, 0)
    client = gql(alpha, role)
    window = {"from": _iso(start), "to": _iso(start + timedelta(days=1))}

    suggest = client(SUGGEST, classId=str(alpha.school_class.pk), minutes=60, **window)
    clashes = client(CLASHES, classId=str(alpha.school_class.pk), start=_iso(start), minutes=60)

    for body in (suggest, clashes):
        assert body["data"] is None
        assert body["errors"][0]["message"] in ("No such class.", "Sign in first.")


def test_another_classs_teacher_is_refused(alpha, gql, in_schema):
    # given: the teacher of another class of the same school
    other, other_teacher = _other_class(alpha)
    client = gql(alpha)
    in_schema(alpha, client.client.force_login, other_teacher)

    body = client(
        CLASHES, classId=str(alpha.school_class.pk), start=_iso(_at(MONDAY, 9)), minutes=60
    )

    assert body["errors"][0]["message"] == "No such class."


def test_one_school_never_sees_anothers_sessions(alpha, beta, gql):
    # given: alpha's class is busy all Monday morning; beta's class has nothing
    _school_zone(alpha, DHAKA)
    _school_zone(beta, DHAKA)
    for hour in range(8, 12):
        _session(
            alpha, start=_at(MONDAY, hour), school_class=alpha.school_class, title="Alpha only"
        )

    # when: beta's teacher asks about the same morning for beta's class
    rows = _clashes(gql, beta, start=_iso(_at(MONDAY, 9)))
    found = _suggest(gql, beta, first=1)
    # and alpha's teacher, for alpha's class id, on beta's host
    foreign = gql(beta, "teacher")(
        CLASHES, classId="999999", start=_iso(_at(MONDAY, 9)), minutes=60
    )

    # then
    assert rows == []
    assert _parse(found["slots"][0]["start"]) == _at(MONDAY, 8)
    assert foreign["errors"][0]["message"] == "No such class."
