"""How a series repeats, in words of the reader's language (`RecurrenceRule.describe` is the
English of logs and audits: meetings.recurrence is pure and imports no Django)."""

from __future__ import annotations

from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.recurrence import Frequency, RecurrenceRule


def _nth(week: int) -> str:
    return {
        1: _("first"),
        2: _("second"),
        3: _("third"),
        4: _("fourth"),
        -1: _("last"),
    }.get(week, _("first"))


def recurrence_wording(rule: RecurrenceRule) -> str:
    """ "every week on Monday, Wednesday, 4 times", in the active language."""
    n = rule.interval
    if rule.frequency == Frequency.DAILY:
        text = ngettext("every day", "every %(n)d days", n) % {"n": n}
    elif rule.frequency == Frequency.WEEKLY:
        days = ", ".join(str(WEEKDAYS[d]) for d in rule.weekdays)
        text = ngettext("every week on %(days)s", "every %(n)d weeks on %(days)s", n) % {
            "n": n,
            "days": days,
        }
    elif rule.month_weekday is not None:
        text = ngettext(
            "every month on the %(nth)s %(day)s", "every %(n)d months on the %(nth)s %(day)s", n
        ) % {"n": n, "nth": _nth(rule.month_week or 1), "day": WEEKDAYS[rule.month_weekday]}
    else:
        text = ngettext("every month on day %(day)d", "every %(n)d months on day %(day)d", n) % {
            "n": n,
            "day": rule.month_day or 1,
        }
    if rule.count:
        end = ngettext("%(count)d time", "%(count)d times", rule.count) % {"count": rule.count}
    else:
        end = _("until %(day)s") % {"day": date_format(rule.until, "j F Y") if rule.until else ""}
    return f"{text}, {end}"


# For a mail's context: worded when the mail is rendered, in its recipient's language.
recurrence_wording_lazy = lazy(recurrence_wording, str)
