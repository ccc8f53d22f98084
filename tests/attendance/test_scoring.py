"""Attendance scoring: worked examples, the policy, and properties over random segment lists."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attendance.scoring import (
    Policy,
    Score,
    Segment,
    Status,
    attended_seconds,
    score,
    score_many,
)

WINDOW_START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
WINDOW_END = WINDOW_START + timedelta(minutes=60)
WINDOW = {"window_start": WINDOW_START, "window_end": WINDOW_END}


def at(minutes: float, seconds: float = 0) -> datetime:
    """A moment `minutes` (and `seconds`) after the class window opens."""
    return WINDOW_START + timedelta(minutes=minutes, seconds=seconds)


def seg(start: float | None, end: float | None) -> Segment:
    """A segment in minutes from the window's start; None as in Segment."""
    return Segment(
        None if start is None else at(start),
        None if end is None else at(end),
    )


# --- worked examples: attended time ---------------------------------------------------------


def test_two_overlapping_devices_count_once():
    # given: a laptop 0-30 min and a phone 20-45 min
    segments = [seg(0, 30), seg(20, 45)]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then: 45 minutes, not 55
    assert attended == 45 * 60


def test_rejoin_after_a_gap_leaves_the_gap_out():
    # given
    segments = [seg(0, 10), seg(15, 25)]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then
    assert attended == 20 * 60


@pytest.mark.parametrize(
    ("segment", "expected_minutes"),
    [
        pytest.param(seg(-10, 5), 5, id="starts-before-the-window"),
        pytest.param(seg(50, 70), 10, id="ends-after-the-window"),
        pytest.param(seg(-30, 90), 60, id="covers-the-whole-window"),
        pytest.param(seg(-30, -5), 0, id="entirely-before"),
        pytest.param(seg(61, 75), 0, id="entirely-after"),
    ],
)
def test_segments_are_clipped_to_the_window(segment, expected_minutes):
    # when
    attended = attended_seconds([segment], **WINDOW)

    # then
    assert attended == expected_minutes * 60


def test_open_segment_closes_at_the_window_end():
    # given: joined at 40 minutes, no leave seen
    segments = [seg(40, None)]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then
    assert attended == 20 * 60


def test_open_segment_closes_at_now_while_the_class_is_in_progress():
    # given
    segments = [seg(40, None)]

    # when
    attended = attended_seconds(segments, **WINDOW, now=at(50))

    # then
    assert attended == 10 * 60


def test_now_after_the_window_end_changes_nothing():
    # when
    attended = attended_seconds([seg(40, None)], **WINDOW, now=at(90))

    # then
    assert attended == 20 * 60


def test_now_cuts_closed_segments_too():
    # given: a leave stamped in the future (clock skew) must not count time not yet lived
    segments = [seg(10, 30)]

    # when
    attended = attended_seconds(segments, **WINDOW, now=at(20))

    # then
    assert attended == 10 * 60


def test_now_before_the_window_counts_nothing():
    # when
    attended = attended_seconds([seg(-10, None)], **WINDOW, now=at(-5))

    # then
    assert attended == 0


def test_leave_without_join_counts_from_the_window_start():
    # given: only a leave at 12 minutes was seen
    segments = [seg(None, 12)]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then
    assert attended == 12 * 60


def test_reversed_segment_is_ignored():
    # given: a leave before its join, next to a sound segment
    segments = [seg(30, 20), seg(0, 5)]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then
    assert attended == 5 * 60


def test_total_is_floored_not_each_segment():
    # given: two separate stretches of 0.6 s each
    segments = [Segment(at(0), at(0, 0.6)), Segment(at(1), at(1, 0.6))]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then: floor(1.2) = 1; flooring each would give 0
    assert attended == 1


def test_the_same_instant_in_another_timezone_is_the_same_instant():
    # given: a laptop 0-30 min in UTC and a phone 20-45 min written at UTC+02:00
    plus_two = timezone(timedelta(hours=2))
    segments = [seg(0, 30), Segment(at(20).astimezone(plus_two), at(45).astimezone(plus_two))]

    # when
    attended = attended_seconds(segments, **WINDOW)

    # then
    assert attended == 45 * 60


def test_daylight_saving_change_counts_elapsed_time():
    # given: in Amsterdam the clocks go back at 03:00 on 27 October 2024; 01:30 to the second
    # 02:30 is two hours, though the wall clock moved one
    amsterdam = ZoneInfo("Europe/Amsterdam")
    window_start = datetime(2024, 10, 27, 1, 0, tzinfo=amsterdam)
    window_end = datetime(2024, 10, 27, 4, 0, tzinfo=amsterdam)
    segments = [
        Segment(
            datetime(2024, 10, 27, 1, 30, tzinfo=amsterdam),
            datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=amsterdam),
        )
    ]

    # when
    attended = attended_seconds(segments, window_start=window_start, window_end=window_end)

    # then
    assert attended == 2 * 3600


def test_naive_datetimes_are_refused():
    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        Segment(datetime(2025, 3, 10, 9, 0), None)
    with pytest.raises(ValueError, match="window_start must be a timezone-aware"):
        attended_seconds([], window_start=datetime(2025, 3, 10, 9, 0), window_end=WINDOW_END)


def test_window_ending_before_it_starts_is_refused():
    # when / then
    with pytest.raises(ValueError, match="ends .* before it starts"):
        attended_seconds([], window_start=WINDOW_END, window_end=WINDOW_START)


# --- worked examples: status ----------------------------------------------------------------


def test_exactly_fifteen_minutes_is_present():
    # when
    result = score([seg(10, 25)], **WINDOW, policy=Policy())

    # then
    assert result == Score(900, Status.PRESENT)


def test_one_second_below_fifteen_minutes_is_partial():
    # given
    segments = [Segment(at(10), at(25, -1))]

    # when
    result = score(segments, **WINDOW, policy=Policy())

    # then
    assert result == Score(899, Status.PARTIAL)


def test_a_fraction_of_a_second_below_the_threshold_is_partial():
    # given: 899.999 s, floored to 899
    segments = [Segment(at(10), at(25, -0.001))]

    # when
    result = score(segments, **WINDOW, policy=Policy())

    # then
    assert result == Score(899, Status.PARTIAL)


def test_never_joined_is_absent():
    # when
    result = score([], **WINDOW, policy=Policy())

    # then
    assert result == Score(0, Status.ABSENT)


def test_joined_only_outside_the_window_is_absent():
    # when
    result = score([seg(-20, -10), seg(70, None)], **WINDOW, policy=Policy())

    # then
    assert result == Score(0, Status.ABSENT)


def test_one_second_in_the_window_is_partial():
    # when
    result = score([Segment(at(59, 59), at(61))], **WINDOW, policy=Policy())

    # then
    assert result == Score(1, Status.PARTIAL)


def test_below_the_partial_minimum_is_absent():
    # given
    policy = Policy(partial_minimum_seconds=60)

    # when
    just_below = score([Segment(at(0), at(0, 59))], **WINDOW, policy=policy)
    at_minimum = score([Segment(at(0), at(1))], **WINDOW, policy=policy)

    # then
    assert just_below == Score(59, Status.ABSENT)
    assert at_minimum == Score(60, Status.PARTIAL)


def test_share_policy_half_of_a_sixty_minute_class():
    # given
    policy = Policy(present_minutes=None, present_share=0.5)

    # when
    half = score([seg(0, 30)], **WINDOW, policy=policy)
    second_short = score([Segment(at(0), at(30, -1))], **WINDOW, policy=policy)

    # then
    assert policy.present_seconds(**WINDOW) == 1800
    assert half == Score(1800, Status.PRESENT)
    assert second_short == Score(1799, Status.PARTIAL)


def test_share_threshold_uses_the_share_as_written():
    # given: 0.55 * 3600 is 1980.0000000000002 in floating point; the policy means 1980
    policy = Policy(present_minutes=None, present_share=0.55)

    # when
    result = score([seg(0, 33)], **WINDOW, policy=policy)

    # then
    assert result == Score(1980, Status.PRESENT)


def test_share_threshold_during_the_class_is_that_of_the_whole_class():
    # given: 20 minutes in, someone who has been there from the start
    policy = Policy(present_minutes=None, present_share=0.5)

    # when
    result = score([seg(0, None)], **WINDOW, policy=policy, now=at(20))

    # then: all of the class so far, but not yet half of the class
    assert result == Score(1200, Status.PARTIAL)


def test_minutes_threshold_does_not_depend_on_the_window():
    # given: a 10-minute class under the default 15-minute policy
    result = score([seg(0, 10)], window_start=at(0), window_end=at(10), policy=Policy())

    # then
    assert result == Score(600, Status.PARTIAL)


def test_score_many_scores_the_enrolled_and_the_unenrolled():
    # given
    people = {
        "ana": [seg(0, 30), seg(20, 45)],
        "ben": [Segment(at(0), at(15, -1))],
        "guest": [seg(5, 25)],
    }

    # when
    scores = score_many(people, **WINDOW, policy=Policy(), enrolled=["ana", "ben", "cleo", "ana"])

    # then
    assert scores == {
        "ana": Score(2700, Status.PRESENT),
        "ben": Score(899, Status.PARTIAL),
        "cleo": Score(0, Status.ABSENT),
        "guest": Score(1200, Status.PRESENT),
    }


def test_scoring_never_returns_excused_but_the_status_exists():
    # given
    policy = Policy()

    # when
    statuses = {score([seg(0, m)], **WINDOW, policy=policy).status for m in (0, 1, 14, 15, 60)}

    # then
    assert statuses == {Status.ABSENT, Status.PARTIAL, Status.PRESENT}
    assert Status("excused") is Status.EXCUSED


# --- the policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"present_share": 0.5}, "exactly one", id="both-set"),
        pytest.param({"present_minutes": None}, "exactly one", id="neither-set"),
        pytest.param({"present_minutes": -1}, "present_minutes", id="negative-minutes"),
        pytest.param({"present_minutes": 15.5}, "present_minutes", id="fractional-minutes"),
        pytest.param({"present_minutes": True}, "present_minutes", id="bool-minutes"),
        pytest.param({"present_minutes": "15"}, "present_minutes", id="text-minutes"),
        pytest.param(
            {"present_minutes": None, "present_share": 1.5}, "from 0 to 1", id="share-above-one"
        ),
        pytest.param(
            {"present_minutes": None, "present_share": -0.1}, "from 0 to 1", id="negative-share"
        ),
        pytest.param(
            {"present_minutes": None, "present_share": float("nan")}, "from 0 to 1", id="nan"
        ),
        pytest.param(
            {"present_minutes": None, "present_share": "0.5"}, "a number", id="text-share"
        ),
        pytest.param({"partial_minimum_seconds": 0}, "partial_minimum", id="zero-minimum"),
    ],
)
def test_policy_refuses_invalid_settings(kwargs, message):
    # when / then
    with pytest.raises(ValueError, match=message):
        Policy(**kwargs)


def test_default_policy_is_fifteen_minutes():
    # when
    policy = Policy()

    # then
    assert policy.present_seconds(**WINDOW) == 900
    assert (policy.present_share, policy.partial_minimum_seconds) == (None, 1)


# --- properties over random segment lists ---------------------------------------------------

MS = timedelta(milliseconds=1)
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
window_ms = st.integers(min_value=0, max_value=3 * 3600 * 1000)
# offsets from the window's start, in milliseconds, reaching past both ends of a 3-hour window
OFFSET_MIN, OFFSET_MAX = -3600 * 1000, 4 * 3600 * 1000
offsets = st.integers(min_value=OFFSET_MIN, max_value=OFFSET_MAX)


@st.composite
def moments(draw, offset=offsets):
    return (WINDOW_START + draw(offset) * MS).astimezone(draw(st.sampled_from(ZONES)))


segments = st.builds(Segment, st.none() | moments(), st.none() | moments())
segment_lists = st.lists(segments, max_size=12)
maybe_now = st.none() | moments()


def window_of(length_ms: int) -> dict:
    return {"window_start": WINDOW_START, "window_end": WINDOW_START + length_ms * MS}


@settings(deadline=None)
@given(segment_lists, window_ms, maybe_now, st.data())
def test_any_order_and_any_duplication_give_the_same_score(items, length, now, data):
    # given
    extra = data.draw(st.lists(st.sampled_from(items), max_size=6)) if items else []
    shuffled = data.draw(st.permutations(items + extra))
    policy = Policy(present_minutes=None, present_share=0.5)

    # when
    original = score(items, **window_of(length), policy=policy, now=now)
    reordered = score(shuffled, **window_of(length), policy=policy, now=now)

    # then
    assert reordered == original


@settings(deadline=None)
@given(segment_lists, window_ms, maybe_now)
def test_attended_time_is_within_zero_and_the_time_that_counts(items, length, now):
    # given
    window = window_of(length)
    end = window["window_end"] if now is None else min(window["window_end"], now)
    counts = max(end - WINDOW_START, timedelta(0)) // timedelta(seconds=1)

    # when
    attended = attended_seconds(items, **window, now=now)

    # then
    assert 0 <= attended <= counts <= length // 1000


@settings(deadline=None)
@given(segment_lists, segments, window_ms, maybe_now)
def test_adding_a_segment_never_decreases_attended_time(items, added, length, now):
    # when
    before = attended_seconds(items, **window_of(length), now=now)
    after = attended_seconds([*items, added], **window_of(length), now=now)

    # then
    assert after >= before


@st.composite
def split_segments(draw):
    """A segment that is not reversed, and a moment inside it to cut it at."""
    first, second = sorted((draw(offsets), draw(offsets)))
    start = None if draw(st.booleans()) else first
    end = None if draw(st.booleans()) else second
    low = first if start is not None else OFFSET_MIN - 1
    high = second if end is not None else OFFSET_MAX + 1
    cut = draw(st.integers(min_value=low, max_value=high))

    def moment(offset):
        return None if offset is None else WINDOW_START + offset * MS

    whole = Segment(moment(start), moment(end))
    halves = [Segment(moment(start), moment(cut)), Segment(moment(cut), moment(end))]
    return whole, halves


@settings(deadline=None)
@given(segment_lists, split_segments(), window_ms, maybe_now)
def test_splitting_a_segment_into_touching_halves_changes_nothing(items, split, length, now):
    # given
    whole, halves = split
    policy = Policy()

    # when
    joined = score([*items, whole], **window_of(length), policy=policy, now=now)
    cut = score([*items, *halves], **window_of(length), policy=policy, now=now)

    # then
    assert cut == joined


whole_seconds = st.integers(min_value=-600, max_value=3000)


@st.composite
def second_segments(draw):
    def moment():
        return (
            None if draw(st.booleans()) else WINDOW_START + timedelta(seconds=draw(whole_seconds))
        )

    return Segment(moment(), moment())


@settings(deadline=None)
@given(
    st.lists(second_segments(), max_size=8),
    st.integers(min_value=0, max_value=2400),
    st.none() | whole_seconds,
)
def test_attended_time_matches_counting_every_second(items, length, now_s):
    # given: the obvious model, a set of the seconds someone was there
    window_end = WINDOW_START + timedelta(seconds=length)
    now = None if now_s is None else WINDOW_START + timedelta(seconds=now_s)
    horizon = length if now_s is None else min(length, now_s)
    seconds = set()
    for item in items:
        start = 0 if item.start is None else (item.start - WINDOW_START).total_seconds()
        end = horizon if item.end is None else (item.end - WINDOW_START).total_seconds()
        seconds.update(range(max(int(start), 0), min(int(end), horizon)))

    # when
    result = score(
        items, window_start=WINDOW_START, window_end=window_end, policy=Policy(), now=now
    )

    # then
    assert result.attended_seconds == len(seconds)
    expected = (
        Status.ABSENT if not seconds else Status.PRESENT if len(seconds) >= 900 else Status.PARTIAL
    )
    assert result.status == expected


@settings(deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefgh"), segment_lists, max_size=5),
    st.lists(st.sampled_from("abcdefgh"), max_size=6),
    window_ms,
    maybe_now,
)
def test_score_many_is_score_for_each_person(people, enrolled, length, now):
    # given
    policy = Policy(present_minutes=10)

    # when
    scores = score_many(people, **window_of(length), policy=policy, enrolled=enrolled, now=now)

    # then
    assert scores.keys() == set(enrolled) | set(people)
    for key, result in scores.items():
        assert result == score(people.get(key, []), **window_of(length), policy=policy, now=now)
