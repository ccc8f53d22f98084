"""Issue 10: dates outside a sane window, unbounded text and school-wide audiences, at every
entry point that schedules or changes a class (services, the classic form, the feed)."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from meetings import ics, services
from meetings.models import CalendarFeed, Meeting
from meetings.recurrence import RecurrenceRule
from meetings.services.calendar_events import _calendar_event_upsert

pytestmark = pytest.mark.django_db

FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _soon() -> datetime:
    return (timezone.now() + timedelta(days=2)).replace(microsecond=0)


def _schedule(world, role="teacher", **fields):
    values = {"title": "Algebra", "start_time": _soon()} | fields
    return services.meeting_schedule(
        actor=world.users[role], school_class=world.school_class, **values
    )


# --- dates ----------------------------------------------------------------------------------


def test_a_start_in_year_9999_is_refused_and_nothing_is_stored(alpha):
    with schema_context(alpha.schema):
        # when
        with pytest.raises(ValidationError) as caught:
            _schedule(alpha, start_time=FAR)
        # then
        assert "years ahead" in caught.value.message_dict["start_time"][0]
        assert not Meeting.objects.exists()


def test_the_window_is_a_setting(alpha, settings):
    settings.LIVEROLL_SCHEDULE_YEARS_AHEAD = 1
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError):
            _schedule(alpha, start_time=timezone.now() + timedelta(days=400))
        settings.LIVEROLL_SCHEDULE_YEARS_AHEAD = 2
        assert _schedule(alpha, start_time=timezone.now() + timedelta(days=400)).pk


def test_a_series_may_not_run_past_the_window(alpha):
    with schema_context(alpha.schema):
        until_far = RecurrenceRule(frequency="daily", until=date(9999, 12, 31))
        every_ten_months = RecurrenceRule(frequency="monthly", month_day=1, interval=10, count=60)
        for rule in (until_far, every_ten_months):
            with pytest.raises(ValidationError) as caught:
                _schedule(alpha, recurrence=rule)
            assert "recurrence" in caught.value.message_dict
        assert not Meeting.objects.exists()


def test_update_refuses_a_start_in_the_past_or_too_far_ahead(alpha):
    with schema_context(alpha.schema):
        meeting = _schedule(alpha)
        for start in (timezone.now() - timedelta(days=1), FAR):
            with pytest.raises(ValidationError) as caught:
                services.meeting_update(
                    actor=alpha.users["teacher"], meeting=meeting, start_time=start
                )
            assert "start_time" in caught.value.message_dict
        meeting.refresh_from_db()
        assert meeting.start_time.year == _soon().year


def test_a_class_that_began_in_the_past_can_still_be_renamed(alpha):
    with schema_context(alpha.schema):
        meeting = _schedule(alpha)
        Meeting.objects.filter(pk=meeting.pk).update(start_time=timezone.now() - timedelta(hours=1))
        meeting.refresh_from_db()
        services.meeting_update(actor=alpha.users["teacher"], meeting=meeting, title="Renamed")
        assert Meeting.objects.get(pk=meeting.pk).title == "Renamed"


def test_the_classic_form_is_gone_into_the_app(alpha):
    # the server's scheduling form retired: its address leads to the app's scheduler
    response = alpha.client("teacher").post(
        f"/classes/{alpha.school_class.pk}/meetings/new/",
        {"title": "Far", "start": "9999-12-31T23:59", "duration_minutes": 60, "timezone": "UTC"},
    )
    assert response.status_code == 301
    assert response["Location"] == f"/app/schedule?class={alpha.school_class.pk}"
    with schema_context(alpha.schema):
        assert not Meeting.objects.exists()


# --- the feed -------------------------------------------------------------------------------


def _feed(world, role="student"):
    with schema_context(world.schema):
        feed, _ = CalendarFeed.objects.get_or_create(user=world.users[role])
    return world.client().get(f"/calendar/{feed.token}.ics")


def _stored(world, start: datetime, title: str) -> Meeting:
    """A meeting as an attack or an old version left it in the database."""
    meeting = Meeting.objects.create(
        school_class=world.school_class, host=world.users["teacher"], title=title, start_time=start
    )
    _calendar_event_upsert(meeting)
    return meeting


def test_a_year_9999_meeting_does_not_break_the_classs_feeds(alpha):
    with schema_context(alpha.schema):
        _stored(alpha, FAR, "Overflow")
        _stored(alpha, _soon(), "Algebra")
    response = _feed(alpha)
    assert response.status_code == 200
    body = response.content.decode()
    assert "SUMMARY:Algebra" in body and "Overflow" not in body


def test_a_row_that_cannot_be_rendered_is_skipped_and_logged(alpha, caplog):
    with schema_context(alpha.schema):
        bad = _stored(alpha, FAR, "Overflow")
        good = _stored(alpha, _soon(), "Algebra")
        meetings = list(
            Meeting.objects.filter(pk__in=[bad.pk, good.pk]).select_related("calendar_event")
        )
    with caplog.at_level(logging.ERROR, logger="meetings.ics"):
        body = ics.calendar_render(meetings=meetings, name="x", join_base="https://a.test/")
    assert "SUMMARY:Algebra" in body and "Overflow" not in body
    assert f"meeting {bad.pk} skipped" in caplog.text


def test_the_feed_is_bounded_in_time_and_count(alpha, monkeypatch):
    monkeypatch.setattr(ics, "FEED_MAX_EVENTS", 3)
    with schema_context(alpha.schema):
        for day in range(5):
            _stored(alpha, _soon() + timedelta(days=day), f"Day {day}")
        _stored(alpha, timezone.now() + timedelta(days=500), "Next year")
        _stored(alpha, timezone.now() - timedelta(days=60), "Long ago")
    body = _feed(alpha).content.decode()
    assert body.count("BEGIN:VEVENT") == 3
    assert "Day 0" in body and "Day 3" not in body
    assert "Next year" not in body and "Long ago" not in body


def test_a_carriage_return_in_a_title_cannot_start_a_line_of_its_own(alpha):
    with schema_context(alpha.schema):
        _stored(alpha, _soon(), "Maths\rBEGIN:VEVENT\r\nSUMMARY:fake")
    body = _feed(alpha).content.decode()
    assert body.split("\r\n").count("BEGIN:VEVENT") == 1
    assert "\r" not in body.replace("\r\n", "")


# --- text -----------------------------------------------------------------------------------


def test_a_megabyte_description_is_refused_with_its_field_and_code(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as caught:
            _schedule(
                alpha,
                description="x" * 1_000_000,
                recurrence=RecurrenceRule(frequency="daily", count=60),
            )
        (error,) = caught.value.error_dict["description"]
        assert error.code == "too_long" and "2000" in error.message
        assert not Meeting.objects.exists()


def test_nul_characters_are_refused_by_field(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as caught:
            _schedule(alpha, title="Alg\x00ebra")
        assert caught.value.error_dict["title"][0].code == "nul_character"
        meeting = _schedule(alpha)
        with pytest.raises(ValidationError) as caught:
            services.meeting_update(
                actor=alpha.users["teacher"], meeting=meeting, description="a" * 2001
            )
        assert caught.value.error_dict["description"][0].code == "too_long"


# --- audiences ------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["all", "students", "teachers"])
def test_a_teacher_may_not_publish_to_the_whole_school_by_default(alpha, audience):
    with schema_context(alpha.schema):
        with pytest.raises(PermissionDenied):
            _schedule(alpha, target_audience=audience)
        assert not Meeting.objects.exists()
        assert _schedule(alpha, role="admin", target_audience=audience).target_audience == audience


def test_an_admin_can_let_teachers_publish_to_everyone(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(PermissionDenied):
            services.scheduling_policy_set(
                actor=alpha.users["teacher"], teachers_may_address_school=True
            )
        services.scheduling_policy_set(actor=alpha.users["admin"], teachers_may_address_school=True)
        assert _schedule(alpha, target_audience="all").target_audience == "all"


def test_update_cannot_widen_the_audience_to_the_school(alpha):
    with schema_context(alpha.schema):
        meeting = _schedule(alpha)
        with pytest.raises(PermissionDenied):
            services.meeting_update(
                actor=alpha.users["teacher"], meeting=meeting, target_audience="all"
            )
        assert Meeting.objects.get(pk=meeting.pk).target_audience == "class"
        services.meeting_update(actor=alpha.users["admin"], meeting=meeting, target_audience="all")
        assert Meeting.objects.get(pk=meeting.pk).target_audience == "all"
