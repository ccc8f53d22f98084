"""Full-text search over a school's transcripts, cue by cue, as a viewer may see them.

The index (`TranscriptCue.search`, models.py): the `english` configuration of each cue's text,
a stored generated column with a GIN index. English words are stemmed ("questions" is
`question`); words of other scripts are kept whole, as written (the English stemmer and stop
words touch Latin letters only), and PostgreSQL has no Bengali stemmer. So a query's words are
matched like this:

- a Latin word: its English stem (stop words are dropped, as they were from the index);
- a Bengali word: as a prefix, after taking off one common inflection (-য়, -র/-এর, -কে, -দের,
  -টি, -টা, -তে, -রা, -গুলো...), so that বাংলা and বাংলায় both find বাংলা, বাংলায়, বাংলার;
  words of other scripts: as a prefix too. Words under three characters match whole (a
  two-letter prefix would match a large part of the language).

The words become a tsquery built here from the lexemes PostgreSQL gave back, quoted: what
people type is data, never tsquery syntax. All words must match (AND). Hits are ranked by
cover density (`ts_rank_cd`: more of the words, closer together), then newest session first.

Cost: ranking reads every matching cue, and a word said in one cue in eight matches 90,000
cues in 1,000 hours (bench/bench_transcript_search.py). So when the words match more than
RANK_ALL cues in the school and the sessions searched hold more than SCAN_ROWS cues, the hits
are ranked among the cues of the newest sessions searched (NEWEST_ROWS cues); otherwise every
match is ranked (`_matching`). The total is counted up to TOTAL_CAP ("1,000 or more"); pages
reach that far. Snippets (`ts_headline`) are made for the page's rows only.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from attendance.recordings.models import (
    SEARCH_CONFIG,
    SEARCH_IGNORED,
    Transcript,
    TranscriptCue,
)
from attendance.recordings.policy import meetings_with_recordings_visible
from meetings.models import Meeting
from meetings.policy import access_class
from tenants.accounts.models import Role, User
from tenants.school.models import SchoolClass

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_PAGE = 50
TOTAL_CAP = 1_000
SCAN_ROWS = 40_000  # cues searched (about 57 hours of classes) that may be read one by one
RANK_ALL = 10_000  # matches in the school up to which every match is ranked
NEWEST_ROWS = 20_000  # beyond: the cues of the newest sessions whose matches are ranked
MIN_PREFIX = 3  # characters (code points) for a word to match as a prefix

# One Bengali inflection is taken off a query word before it is matched as a prefix: case
# endings, plural markers and classifiers, longest first (NFC: য় is য + nukta).
BENGALI_SUFFIXES = tuple(
    sorted(
        (
            "গুলোকে", "গুলিকে", "দেরকে", "গুলো", "গুলি", "দের", "েরা", "ের", "কে", "টি", "টা",
            "টার", "টিকে", "তে", "রা", "য়", "র", "ে",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
BENGALI = range(0x0980, 0x0A00)
LATIN_END = 0x0250  # ASCII, Latin-1 and Latin Extended-A/B: the English stemmer's letters

# ts_headline marks matches with these; cue text never holds them (they are taken out of the
# text given to ts_headline), so splitting on them is exact. Nothing is HTML.
MARK_START = "\x02"
MARK_STOP = "\x03"
# A cue of up to WHOLE_CUE characters is its own snippet, its matches marked; a longer one gives
# up to two fragments around its matches.
WHOLE_CUE = 300
FRAGMENTS = " … "
HEADLINE_WHOLE = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"
HEADLINE_FRAGMENTS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxFragments=2, MaxWords=15, MinWords=6,"
    f' FragmentDelimiter="{FRAGMENTS}"'
)


class SearchRefused(ValueError):
    """The query cannot be searched for (too long); the message says why, for people."""


@dataclass(frozen=True)
class SnippetPart:
    text: str
    match: bool


@dataclass(frozen=True)
class Hit:
    cue_id: int
    meeting_id: int
    meeting_title: str
    meeting_start: datetime
    class_name: str | None
    position: int
    start_ms: int
    speaker: str
    rank: float
    snippet: list[SnippetPart]


@dataclass(frozen=True)
class SearchResult:
    total: int
    total_is_capped: bool
    hits: list[Hit]


EMPTY = SearchResult(total=0, total_is_capped=False, hits=[])
CUE = TranscriptCue._meta.db_table
TRANSCRIPT = Transcript._meta.db_table
MEETING = Meeting._meta.db_table
SCHOOL_CLASS = SchoolClass._meta.db_table


def query_text_clean(text: str) -> str:
    """What people typed, as the index reads text: NFC, without the joiners, no control
    characters."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        " " if unicodedata.category(c) == "Cc" else c for c in text if c not in SEARCH_IGNORED
    )


def _quoted(lexeme: str) -> str:
    """A lexeme in tsquery syntax: quoted, its quotes and backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def bengali_stem(word: str) -> str:
    """`word` without one common inflection, if enough of it is left to be a word."""
    for suffix in BENGALI_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_PREFIX:
            return word[: -len(suffix)]
    return word


def term_query(lexeme: str) -> str:
    """The tsquery for one word of the query, as PostgreSQL gave it back (`english`)."""
    if all(ord(c) < LATIN_END for c in lexeme):
        return _quoted(lexeme)
    if any(ord(c) in BENGALI for c in lexeme):
        lexeme = bengali_stem(lexeme)
    if len(lexeme) < MIN_PREFIX:
        return _quoted(lexeme)
    return _quoted(lexeme) + ":*"


def search_query(text: str) -> str | None:
    """The tsquery for what people typed, or None when it holds no word to search for (empty,
    punctuation, stop words only). Raises SearchRefused when it is too long."""
    if len(text) > MAX_QUERY_CHARS:
        raise SearchRefused(f"Search for at most {MAX_QUERY_CHARS} characters.")
    text = query_text_clean(text)
    if not text.strip():
        return None
    with connection.cursor() as cursor:
        # The query's words as the index holds them, in the order they were typed.
        cursor.execute(
            "SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)) ORDER BY positions[1]",
            [SEARCH_CONFIG, text],
        )
        lexemes = [row[0] for row in cursor.fetchall()][:MAX_TERMS]
    if not lexemes:
        return None
    return " & ".join(dict.fromkeys(term_query(lexeme) for lexeme in lexemes))


def snippet_parts(headline: str, text: str | None = None) -> list[SnippetPart]:
    """ts_headline's text, cut at its marks into plain and matched parts. With the `text` it
    was cut from (a long cue), "…" says where the snippet leaves text out at its ends."""
    head, *marked = headline.split(MARK_START)
    parts = [SnippetPart(text=head, match=False)] if head else []
    for chunk in marked:
        matched, _, after = chunk.partition(MARK_STOP)
        if matched:
            parts.append(SnippetPart(text=matched, match=True))
        if after:
            parts.append(SnippetPart(text=after, match=False))
    if text is not None and parts:
        plain = "".join(p.text for p in parts)
        if not text.startswith(plain.split(FRAGMENTS)[0]):
            parts.insert(0, SnippetPart(text="… ", match=False))
        if not text.rstrip().endswith(plain.split(FRAGMENTS)[-1].rstrip()):
            parts.append(SnippetPart(text=" …", match=False))
    return parts


def _meetings(
    user: User,
    *,
    school_class: SchoolClass | None,
    start_from: datetime | None,
    start_to: datetime | None,
) -> QuerySet[Meeting]:
    meetings = meetings_with_recordings_visible(user).filter(
        transcript__status=Transcript.Status.READY
    )
    if school_class is not None:
        meetings = meetings.filter(school_class=school_class)
    if start_from is not None:
        meetings = meetings.filter(start_time__gte=start_from)
    if start_to is not None:
        meetings = meetings.filter(start_time__lt=start_to)
    return meetings


@dataclass(frozen=True)
class Scope:
    """The sessions searched: their ids, newest first, with their cue counts; `every`: they
    are every session whose cues are searchable (an admin's search: no filter is needed)."""

    meetings: list[tuple[int, int]]
    every: bool

    @property
    def rows(self) -> int:
        return sum(cues for _, cues in self.meetings)

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _ in self.meetings]

    def newest(self, rows: int) -> list[int]:
        """The newest sessions, up to `rows` cues in all (one at least)."""
        ids: list[int] = []
        total = 0
        for pk, cues in self.meetings:
            if ids and total + cues > rows:
                break
            ids.append(pk)
            total += cues
        return ids


def _scope(meetings: QuerySet[Meeting], *, narrowed: object, admin: bool) -> Scope:
    sql, params = (
        meetings.order_by()
        .values_list("pk", "start_time", "transcript__cue_count")
        .query.sql_with_params()
    )
    ready = Transcript.Status.READY
    with connection.cursor() as cursor:
        # The tables are the models', the subquery the ORM's. Every session is searched when
        # the viewer sees every ready transcript and no other transcript holds cues.
        cursor.execute(
            f"""
            SELECT (SELECT count(*) FROM {TRANSCRIPT} WHERE status = %s),
                   EXISTS (SELECT 1 FROM {TRANSCRIPT} t JOIN {CUE} c ON c.transcript_id = t.id
                           WHERE t.status <> %s),
                   array_agg(v.pk ORDER BY v.start_time DESC, v.pk DESC),
                   array_agg(v.transcript__cue_count ORDER BY v.start_time DESC, v.pk DESC)
            FROM ({sql}) v
            """,  # noqa: S608
            [ready, ready, *params],
        )
        ready_count, unready_cues, ids, cues = cursor.fetchone()
    rows = list(zip(ids or [], cues or [], strict=True))
    # Only an admin's: they see every session, so a transcript stored after this count is
    # theirs too. Anyone else's search keeps the session filter (a hidden session's transcript
    # stored meanwhile would otherwise be found).
    every = admin and not narrowed and len(rows) == ready_count and not unready_cues
    return Scope(meetings=rows, every=every)


def transcripts_search(
    *,
    user: User,
    text: str,
    class_id: object = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    first: int = 20,
    offset: int = 0,
    snippets: bool = True,
) -> SearchResult:
    """The cues of the sessions `user` may read whose text holds every word of `text`, best
    first: `first` of them (at most MAX_PAGE) after `offset`, with the total (counted up to
    TOTAL_CAP). `class_id` narrows to one class (one the user cannot see is NotFound);
    `start_from`/`start_to` to the sessions that started at or after / before them."""
    if not 1 <= first <= MAX_PAGE:
        raise SearchRefused(f"first must be from 1 to {MAX_PAGE}.")
    offset = max(offset, 0)
    school_class = access_class(user, class_id) if class_id is not None else None
    query = search_query(text)
    if query is None:
        return EMPTY
    meetings = _meetings(user, school_class=school_class, start_from=start_from, start_to=start_to)
    if meetings.query.is_empty():
        return EMPTY
    scope = _scope(
        meetings, narrowed=school_class or start_from or start_to, admin=user.role == Role.ADMIN
    )
    if not scope.meetings:
        return EMPTY
    with connection.cursor() as cursor:
        searched = _matching(cursor, query, scope)
        hits: list[Hit] = []
        ranked = None
        if offset < TOTAL_CAP:  # pages reach as far as the total is counted
            first = min(first, TOTAL_CAP - offset)
            hits, ranked = _page(cursor, searched, first=first, offset=offset, snippets=snippets)
        if ranked is None:
            # Past the last page: the page's query had no row to count the ranked matches.
            count = searched.count(cursor, TOTAL_CAP + 1)
        elif searched.rest is None or ranked > TOTAL_CAP:
            count = ranked
        else:
            count = ranked + searched.count_rest(cursor, TOTAL_CAP + 1 - ranked)
    total = min(count, TOTAL_CAP)
    return SearchResult(total=total, total_is_capped=count > total, hits=hits)


@dataclass(frozen=True)
class Matching:
    """Matching cues as SQL, each a WHERE clause with its params: `where` finds them all,
    `ranked` those that are ranked (all of them, or those of the newest sessions), `rest` the
    others (None: all are ranked)."""

    query: str
    where: tuple[str, list[Any]]
    ranked: tuple[str, list[Any]]
    rest: tuple[str, list[Any]] | None = None

    def count(self, cursor: CursorWrapper, limit: int) -> int:
        return _count(cursor, self.where, limit)

    def count_rest(self, cursor: CursorWrapper, limit: int) -> int:
        assert self.rest is not None
        return _count(cursor, self.rest, limit)


def _count(cursor: CursorWrapper, where: tuple[str, list[Any]], limit: int) -> int:
    """The matching cues, counted up to `limit`."""
    clause, params = where
    counting = f"SELECT count(*) FROM (SELECT 1 FROM {CUE} c WHERE {clause} LIMIT %s) s"  # noqa: S608
    cursor.execute(counting, [*params, limit])
    return int(cursor.fetchone()[0])


def _matching(cursor: CursorWrapper, query: str, scope: Scope) -> Matching:
    """How to find the matches in `scope` at a bounded cost. PostgreSQL costs the `@@` test of
    a row far below what it takes, so left to itself it reads 180,000 cues of the sessions
    searched where the index would give it 3,000 matches (0.2 s instead of 10 ms). The plan is
    chosen here, from what is known before the search runs:

    - few cues searched (up to SCAN_ROWS, a student's classes, one class): the planner picks
      between the index and reading those cues; both cost little;
    - many cues searched, and the words match up to RANK_ALL cues in the whole school (the
      planner's estimate, from the column's statistics): through the index only (the session
      filter is written so that no index serves it), every match ranked;
    - many cues, and more matches than that: the hits are ranked among the cues of the newest
      sessions searched, up to NEWEST_ROWS cues, read session by session (the `@@` written so
      that the index cannot serve it: the index would read every match in the school). Their
      matches are counted as they are ranked; the other sessions' only when there are fewer
      than TOTAL_CAP of them, until there are."""
    words = "c.search @@ %s::tsquery"
    if scope.rows <= SCAN_ROWS:
        where = (f"c.meeting_id = ANY(%s) AND {words}", [scope.ids, query])
        return Matching(query, where, where)
    if scope.every:
        where = (words, [query])
    else:
        where = (f"{words} AND (c.meeting_id + 0) = ANY(%s)", [query, scope.ids])
    if _estimate(cursor, words, [query]) <= RANK_ALL:
        return Matching(query, where, where)
    by_session = f"c.meeting_id = ANY(%s) AND ({words}) IS TRUE"
    newest = scope.newest(NEWEST_ROWS)
    older = scope.ids[len(newest) :]
    return Matching(
        query,
        where,
        ranked=(by_session, [newest, query]),
        # The older sessions hold the rest; when they are every other session, the index
        # finds their matches first (it reads the table from its oldest rows).
        rest=(
            (f"{words} AND (c.meeting_id + 0) <> ALL(%s)", [query, newest])
            if scope.every
            else (by_session, [older, query])
        ),
    )


def _estimate(cursor: CursorWrapper, where: str, params: list[Any]) -> float:
    """How many cues match, as the planner estimates it from the column's statistics (within
    a few per cent of the count for the benchmark's words)."""
    explain = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {CUE} c WHERE {where}"  # noqa: S608
    cursor.execute(explain, params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _page(
    cursor: CursorWrapper,
    matching: Matching,
    *,
    first: int,
    offset: int,
    snippets: bool,
) -> tuple[list[Hit], int | None]:
    """The page of hits among the ranked matches, each with its session and, for the page's
    rows only, its snippet; and how many matches were ranked (None: the page is empty)."""
    if snippets:
        # The text as the index read it, without the marks (so none can be forged).
        shown = "translate(normalize(c.text, NFC), %s, '')"
        snippet = f"""
            CASE WHEN char_length(c.text) <= %s
                 THEN ts_headline(%s::regconfig, {shown}, %s::tsquery, %s)
                 ELSE ts_headline(%s::regconfig, {shown}, %s::tsquery, %s) END,
            CASE WHEN char_length(c.text) > %s THEN {shown} END"""
        removed = SEARCH_IGNORED + MARK_START + MARK_STOP
        q = matching.query
        snippet_params: list[Any] = [
            *(WHOLE_CUE, SEARCH_CONFIG, removed, q, HEADLINE_WHOLE),
            *(SEARCH_CONFIG, removed, q, HEADLINE_FRAGMENTS),
            *(WHOLE_CUE, removed),
        ]
    else:
        snippet, snippet_params = "'', NULL", []
    # Ranked on the narrow rows; the page's rows then read their text, session and snippet.
    cursor.execute(
        f"""
        WITH candidates AS (
            SELECT c.id, c.meeting_id, c.position, c.search
            FROM {CUE} c
            WHERE {matching.ranked[0]}
        ), page AS (
            SELECT h.id, ts_rank_cd(h.search, %s::tsquery) AS cue_rank, m.start_time,
                   count(*) OVER () AS matches
            FROM candidates h
            JOIN {MEETING} m ON m.id = h.meeting_id
            ORDER BY cue_rank DESC, m.start_time DESC, h.meeting_id DESC, h.position
            LIMIT %s OFFSET %s
        )
        SELECT c.id, c.meeting_id, m.title, m.start_time, k.name, c.position, c.start_ms,
               c.speaker, p.cue_rank, p.matches, {snippet}
        FROM page p
        JOIN {CUE} c ON c.id = p.id
        JOIN {MEETING} m ON m.id = c.meeting_id
        LEFT JOIN {SCHOOL_CLASS} k ON k.id = m.school_class_id
        ORDER BY p.cue_rank DESC, p.start_time DESC, c.meeting_id DESC, c.position
        """,  # noqa: S608 - tables, columns and clauses are this module's; values are parameters
        [*matching.ranked[1], matching.query, first, offset, *snippet_params],
    )
    rows = cursor.fetchall()
    hits = [
        Hit(
            cue_id=row[0],
            meeting_id=row[1],
            meeting_title=row[2],
            meeting_start=row[3],
            class_name=row[4],
            position=row[5],
            start_ms=row[6],
            speaker=row[7],
            rank=float(row[8]),
            snippet=snippet_parts(row[10], row[11]) if snippets else [],
        )
        for row in rows
    ]
    return hits, int(rows[0][9]) if rows else None
