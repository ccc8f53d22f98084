"""A series' repetition in the reader's words: English, Bengali, worded when the mail renders."""

from datetime import date
from unicodedata import normalize

from django.utils import translation

from meetings.invitations.wording import recurrence_wording, recurrence_wording_lazy
from meetings.recurrence import RecurrenceRule

WEEKLY = RecurrenceRule(frequency="weekly", weekdays=(0, 2), count=4)


def test_english():
    with translation.override("en"):
        assert recurrence_wording(WEEKLY) == "every week on Monday, Wednesday, 4 times"
        every_other = RecurrenceRule(frequency="daily", interval=2, until=date(2027, 1, 31))
        assert recurrence_wording(every_other) == "every 2 days, until 31 January 2027"
        last_friday = RecurrenceRule(frequency="monthly", month_week=-1, month_weekday=4, count=1)
        assert recurrence_wording(last_friday) == "every month on the last Friday, 1 time"


def test_bengali():
    with translation.override("bn"):
        text = normalize("NFC", recurrence_wording(WEEKLY))
    assert text.startswith("প্রতি সপ্তাহে") and text.endswith("4 বার")
    # Django's own Bengali weekday names (its catalogue spells some vowels decomposed)
    assert normalize("NFC", "সোমবার, বুধবার") in text


def test_worded_in_the_language_it_is_read_in():
    lazy = recurrence_wording_lazy(WEEKLY)
    with translation.override("bn"):
        assert "প্রতি সপ্তাহে" in str(lazy)
    with translation.override("en"):
        assert str(lazy).startswith("every week")
