"""Searching transcripts (attendance.recordings.search): English by stem, Bengali by prefix
(with real Bengali sentences), NFC and NFD alike, what people type is data, ranking, snippets,
paging and the capped total, the filters, and who finds what (the recordings policy, in two
schools)."""

import unicodedata

import pytest
from django_tenants.utils import schema_context

from attendance.recordings import search
from attendance.recordings.models import Transcript
from attendance.recordings.search import SearchRefused, snippet_parts, transcripts_search
from meetings.policy import NotFound
from tenants.accounts.models import Role, User
from tenants.school.services import class_create

from .transcript_data import START, hours, person, session_with_transcript

pytestmark = pytest.mark.django_db

BENGALI_CUES = [
    "আমি বাংলায় গান গাই।",  # I sing in Bengali.
    "বাংলার ইতিহাস আমাদের পড়তে হবে।",  # We have to read the history of Bengal.
    "আজকের প্রশ্নটি খুব সহজ।",  # Today's question is very easy.
    "শিক্ষকের কথা মন দিয়ে শোনো।",  # Listen carefully to what the teacher says.
    "ছাত্রদের বাড়ির কাজ কাল জমা দিতে হবে।",  # The students must hand in homework tomorrow.
    "আমরা কাল বিজ্ঞান পরীক্ষা দেব।",  # We will sit the science exam tomorrow.
]


def texts(result) -> list[str]:
    return ["".join(part.text for part in hit.snippet) for hit in result.hits]


def found(world, text: str, role: str = "admin", **filters) -> list[str]:
    return texts(transcripts_search(user=world.users[role], text=text, **filters))


# --- language ---------------------------------------------------------------------------------


def test_english_words_are_found_by_their_stem(alpha):
    with schema_context(alpha.schema):
        # given
        session_with_transcript(
            host=alpha.users["teacher"],
            cues=[
                "Is there a question before we start?",
                "We solved three equations yesterday.",
                "Nothing to see here.",
            ],
        )

        # when / then
        assert found(alpha, "questions") == ["Is there a question before we start?"]
        assert found(alpha, "equation") == ["We solved three equations yesterday."]
        assert found(alpha, "solving equations") == ["We solved three equations yesterday."]
        assert found(alpha, "questionnaire") == []


def test_bengali_words_are_found_whole_and_in_their_inflected_forms(alpha):
    with schema_context(alpha.schema):
        # given
        session_with_transcript(host=alpha.users["teacher"], cues=BENGALI_CUES)

        # when / then: the stem finds the word with its ending (-য়, -র, -টি, -এর, -দের)
        assert found(alpha, "বাংলা") == BENGALI_CUES[:2]
        assert found(alpha, "প্রশ্ন") == [BENGALI_CUES[2]]
        assert found(alpha, "শিক্ষক") == [BENGALI_CUES[3]]
        assert found(alpha, "ছাত্র") == [BENGALI_CUES[4]]
        # an inflected form in the query finds the other forms too
        assert sorted(found(alpha, "বাংলায়")) == sorted(BENGALI_CUES[:2])
        assert found(alpha, "ছাত্রদের") == [BENGALI_CUES[4]]
        # a whole word, and two words (both must be there)
        assert found(alpha, "পরীক্ষা") == [BENGALI_CUES[5]]
        assert found(alpha, "বাংলার ইতিহাস") == [BENGALI_CUES[1]]
        assert found(alpha, "কাল পরীক্ষা") == [BENGALI_CUES[5]]
        assert found(alpha, "গান ইতিহাস") == []


def test_bengali_and_english_in_one_cue(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"], cues=["আজকের homework কাল জমা দাও।", "No homework today."]
        )

        assert found(alpha, "homework কাল") == ["আজকের homework কাল জমা দাও।"]
        assert len(found(alpha, "homeworks")) == 2


def test_nfc_and_nfd_find_each_other(alpha):
    nfc_cue = unicodedata.normalize("NFC", "শিক্ষকের কথা মন দিয়ে শোনো।")
    nfd_cue = unicodedata.normalize("NFD", "Un café, s'il vous plaît.")
    assert unicodedata.normalize("NFD", "শোনো") != "শোনো"  # ো decomposes
    with schema_context(alpha.schema):
        # given: one cue stored in NFC, one in NFD (the ingest stores NFC; the index reads NFC)
        session_with_transcript(host=alpha.users["teacher"], cues=[nfc_cue, nfd_cue])

        # when / then
        assert found(alpha, unicodedata.normalize("NFD", "শোনো")) == [nfc_cue]
        assert found(alpha, unicodedata.normalize("NFC", "শোনো")) == [nfc_cue]
        assert len(found(alpha, unicodedata.normalize("NFC", "café"))) == 1
        assert len(found(alpha, unicodedata.normalize("NFD", "café"))) == 1


def test_zero_width_joiners_do_not_split_words(alpha):
    # ZWNJ/ZWJ only shape the glyphs; this machine's C.UTF-8 cuts a word at them, the
    # embedded server's does not: the index and the query leave them out.
    with schema_context(alpha.schema):
        session_with_transcript(host=alpha.users["teacher"], cues=["এই ক্লাস\u200cটি খুব ভালো।"])

        assert found(alpha, "ক্লাসটি") == ["এই ক্লাসটি খুব ভালো।"]
        assert found(alpha, "ক্লাস\u200dটি") == ["এই ক্লাসটি খুব ভালো।"]


# --- what people type is data -------------------------------------------------------------------


BOTH = ["A question and its answer."]
QUESTION = ["A question and its answer.", "Only a question."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'", []),
        ("''", []),
        ("\\", []),
        ("question & !answer", BOTH),  # not NOT
        ("question | answer", BOTH),  # not OR
        ("question:* <-> answer", BOTH),
        ("!(question)", QUESTION),
        ("'question' & 'answer'", BOTH),
        ("question\\' | 'answer", BOTH),
        ("questio:*", []),  # not a prefix
        ("question'); DROP TABLE attendance_transcriptcue; --", []),
        ("&|!:*()<>", []),
        (":*", []),
        ("<2>", []),
    ],
)
def test_tsquery_syntax_in_the_query_is_data(alpha, text, expected):
    with schema_context(alpha.schema):
        # given
        session_with_transcript(
            host=alpha.users["teacher"],
            cues=["A question and its answer.", "Only a question.", "Only an answer."],
        )

        # when / then: the operators are not obeyed, the words are searched for
        assert found(alpha, text) == expected


@pytest.mark.parametrize("text", ["", "   ", "the and of", "???", "!!! ...", "\t\n", "a"])
def test_a_query_without_words_finds_nothing(alpha, text):
    with schema_context(alpha.schema):
        session_with_transcript(host=alpha.users["teacher"], cues=["The answer is a number."])

        result = transcripts_search(user=alpha.users["admin"], text=text)

        assert (result.total, result.total_is_capped, result.hits) == (0, False, [])


def test_a_long_query_is_refused(alpha):
    with schema_context(alpha.schema):
        transcripts_search(user=alpha.users["admin"], text="x" * search.MAX_QUERY_CHARS)
        with pytest.raises(SearchRefused):
            transcripts_search(user=alpha.users["admin"], text="x" * (search.MAX_QUERY_CHARS + 1))
        with pytest.raises(SearchRefused):
            transcripts_search(user=alpha.users["admin"], text="x", first=search.MAX_PAGE + 1)


def test_only_the_first_words_of_a_long_query_count(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"], cues=["one two three four five six seven eight"]
        )

        assert found(alpha, "one two three four five six seven eight") != []
        # a ninth word that is not there is past the limit of words
        assert found(alpha, "one two three four five six seven eight nine") != []
        assert found(alpha, "nine one two three four five six seven eight") == []


# --- ranking, snippets, paging ----------------------------------------------------------------


def test_more_occurrences_and_closer_words_rank_higher(alpha):
    with schema_context(alpha.schema):
        # given
        session_with_transcript(
            host=alpha.users["teacher"],
            cues=[
                "A question came up, and later, much later, an answer.",
                "Question answer, question answer: that is the drill.",
                "The question and the answer.",
            ],
        )

        # when
        result = transcripts_search(user=alpha.users["admin"], text="question answer")

        # then
        assert texts(result) == [
            "Question answer, question answer: that is the drill.",
            "The question and the answer.",
            "A question came up, and later, much later, an answer.",
        ]
        ranks = [hit.rank for hit in result.hits]
        assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1] > 0


def test_equal_ranks_put_the_newest_session_first_then_the_cue_order(alpha):
    with schema_context(alpha.schema):
        old = session_with_transcript(
            host=alpha.users["teacher"], cues=["photosynthesis"], start=START
        )
        new = session_with_transcript(
            host=alpha.users["teacher"],
            cues=["photosynthesis", "photosynthesis"],
            start=START + hours(24),
        )

        hits = transcripts_search(user=alpha.users["admin"], text="photosynthesis").hits

        assert [(h.meeting_id, h.position) for h in hits] == [(new.pk, 0), (new.pk, 1), (old.pk, 0)]


def test_a_hit_has_its_time_and_session(alpha):
    with schema_context(alpha.schema):
        meeting = session_with_transcript(
            host=alpha.users["teacher"],
            school_class=alpha.school_class,
            title="Biology",
            cues=["Welcome.", ("Ann", "What is photosynthesis?")],
        )

        (hit,) = transcripts_search(user=alpha.users["admin"], text="photosynthesis").hits

        assert (hit.meeting_id, hit.meeting_title, hit.meeting_start) == (
            meeting.pk,
            "Biology",
            START,
        )
        assert hit.class_name == alpha.school_class.name
        assert (hit.position, hit.start_ms, hit.speaker) == (1, 4000, "Ann")


def test_snippet_parts_mark_the_matched_words_as_written(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"],
            cues=["Any questions about <b>bold</b> & tags? আমি বাংলায় বলি।"],
        )

        (hit,) = transcripts_search(user=alpha.users["admin"], text="question বাংলা").hits

        assert [p.text for p in hit.snippet if p.match] == ["questions", "বাংলায়"]
        # the rest is the text as it is: nothing escaped, nothing added
        assert "".join(p.text for p in hit.snippet) == (
            "Any questions about <b>bold</b> & tags? আমি বাংলায় বলি।"
        )


def test_a_long_cue_gives_a_snippet_around_the_match(alpha):
    words = [f"filler{n}" for n in range(200)]
    words[150] = "photosynthesis"
    with schema_context(alpha.schema):
        session_with_transcript(host=alpha.users["teacher"], cues=[" ".join(words)])

        (hit,) = transcripts_search(user=alpha.users["admin"], text="photosynthesis").hits

        text = "".join(p.text for p in hit.snippet)
        assert [p.text for p in hit.snippet if p.match] == ["photosynthesis"]
        assert text.startswith("… ") and text.endswith(" …")
        assert len(text.split()) <= 17 and text[2:-2] in " ".join(words)


def test_marks_in_the_text_cannot_forge_a_match(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"], cues=["\x02forged\x03 photosynthesis \x03"]
        )

        (hit,) = transcripts_search(user=alpha.users["admin"], text="photosynthesis").hits

        assert [p.text for p in hit.snippet if p.match] == ["photosynthesis"]


def test_snippet_parts_split_at_the_marks():
    assert snippet_parts("a \x02b\x03 c \x02d\x03\x02e\x03") == [
        search.SnippetPart("a ", False),
        search.SnippetPart("b", True),
        search.SnippetPart(" c ", False),
        search.SnippetPart("d", True),
        search.SnippetPart("e", True),
    ]
    assert snippet_parts("") == []


def test_pages_cover_every_hit_once(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"], cues=[f"question number {n}" for n in range(25)]
        )
        admin = alpha.users["admin"]

        pages = [
            transcripts_search(user=admin, text="question", first=10, offset=offset)
            for offset in (0, 10, 20, 30)
        ]

        assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
        positions = [h.position for p in pages for h in p.hits]
        assert sorted(positions) == list(range(25))
        assert {(p.total, p.total_is_capped) for p in pages} == {(25, False)}


def test_the_total_is_capped(alpha, monkeypatch):
    monkeypatch.setattr(search, "TOTAL_CAP", 5)
    with schema_context(alpha.schema):
        session_with_transcript(
            host=alpha.users["teacher"], cues=[f"question {n}" for n in range(8)]
        )
        admin = alpha.users["admin"]

        result = transcripts_search(user=admin, text="question", first=3)
        beyond = transcripts_search(user=admin, text="question", first=3, offset=5)

        assert (result.total, result.total_is_capped, len(result.hits)) == (5, True, 3)
        assert (beyond.total, beyond.total_is_capped, beyond.hits) == (5, True, [])
        across = transcripts_search(user=admin, text="question", first=3, offset=3)
        assert len(across.hits) == 2  # pages stop at the counted total
        # below the cap, the total is exact
        assert transcripts_search(user=admin, text="question 7").total == 1


@pytest.mark.parametrize("narrowed", [False, True])
def test_beyond_the_limits_the_newest_sessions_matches_are_ranked(alpha, monkeypatch, narrowed):
    # given: the words match more cues than RANK_ALL and the sessions hold more than
    # SCAN_ROWS cues: the hits are ranked among the cues of the newest sessions (NEWEST_ROWS
    # cues), so the best match, in an older session, is not among them
    monkeypatch.setattr(search, "SCAN_ROWS", 4)
    monkeypatch.setattr(search, "NEWEST_ROWS", 4)
    monkeypatch.setattr(search, "RANK_ALL", 0)
    teacher = alpha.users["teacher"]
    with schema_context(alpha.schema):
        old = session_with_transcript(
            host=teacher, school_class=alpha.school_class, cues=["question question question"]
        )
        new = session_with_transcript(
            host=teacher,
            school_class=alpha.school_class,
            cues=["question 1", "question 2", "question 3"],
            start=START + hours(24),
        )
        newer = session_with_transcript(
            host=teacher,
            school_class=alpha.school_class,
            cues=["question 4", "question 5"],
            start=START + hours(48),
        )
        filters = {"class_id": alpha.school_class.pk} if narrowed else {}

        # when
        result = transcripts_search(user=alpha.users["admin"], text="question", **filters)

        # then: newer (2 cues) and new (3) make 5 > 4: newer only; the total counts them all
        assert (result.total, result.total_is_capped) == (6, False)
        assert [(h.meeting_id, h.position) for h in result.hits] == [(newer.pk, 0), (newer.pk, 1)]

        # and with the limits back, every match is ranked: the best one first
        monkeypatch.setattr(search, "RANK_ALL", 1_000)
        best = transcripts_search(user=alpha.users["admin"], text="question", **filters)
        assert best.hits[0].meeting_id == old.pk and len(best.hits) == 6
        # and the newest sessions are as many as NEWEST_ROWS cues hold: 2 + 3 + 1
        monkeypatch.setattr(search, "RANK_ALL", 0)
        monkeypatch.setattr(search, "NEWEST_ROWS", 6)
        assert {
            h.meeting_id
            for h in transcripts_search(user=alpha.users["admin"], text="question", **filters).hits
        } == {old.pk, new.pk, newer.pk}


@pytest.mark.parametrize("rank_all", [0, 1_000], ids=["newest ranked", "all ranked"])
def test_the_large_scope_plans_keep_a_teachers_partial_scope(alpha, monkeypatch, rank_all):
    # given: many cues searched (beyond SCAN_ROWS); another class's session, not the
    # teacher's, says the same word
    monkeypatch.setattr(search, "SCAN_ROWS", 1)
    monkeypatch.setattr(search, "NEWEST_ROWS", 4)
    monkeypatch.setattr(search, "RANK_ALL", rank_all)
    teacher = alpha.users["teacher"]
    with schema_context(alpha.schema):
        other_teacher = person("t2@alpha.test", Role.TEACHER)
        other_class = class_create(name="Other", teachers=[other_teacher])
        mine = session_with_transcript(
            host=teacher, school_class=alpha.school_class, cues=["question 1", "question 2"]
        )
        session_with_transcript(
            host=other_teacher, school_class=other_class, cues=["question hidden"] * 3
        )

        # when
        result = transcripts_search(user=teacher, text="question")

    # then
    assert result.total == 2
    assert {h.meeting_id for h in result.hits} == {mine.pk}


@pytest.mark.parametrize("rank_all", [0, 1_000], ids=["newest ranked", "all ranked"])
def test_a_transcript_stored_while_a_teacher_searches_is_not_theirs(alpha, monkeypatch, rank_all):
    # given: the teacher's scope is every ready transcript of the school when it is counted;
    # another class's transcript is stored right after (before the search runs)
    monkeypatch.setattr(search, "SCAN_ROWS", 1)
    monkeypatch.setattr(search, "RANK_ALL", rank_all)
    teacher = alpha.users["teacher"]
    counted = search._scope

    def scope_then_store(*args, **kwargs):
        scope = counted(*args, **kwargs)
        other_teacher = person("t2@alpha.test", Role.TEACHER)
        session_with_transcript(
            host=other_teacher,
            school_class=class_create(name="Other", teachers=[other_teacher]),
            cues=["question hidden"],
        )
        return scope

    monkeypatch.setattr(search, "_scope", scope_then_store)
    with schema_context(alpha.schema):
        mine = session_with_transcript(
            host=teacher, school_class=alpha.school_class, cues=["question 1", "question 2"]
        )

        # when
        result = transcripts_search(user=teacher, text="question")

    # then: the session filter was kept
    assert {h.meeting_id for h in result.hits} == {mine.pk}
    assert result.total == 2


# --- filters ----------------------------------------------------------------------------------


def test_filter_by_class_and_start(alpha, beta):
    with schema_context(alpha.schema):
        # given: sessions of alpha's class on two days, and of another class
        teacher = alpha.users["teacher"]
        other_class = class_create(name="Physics", teachers=[teacher])
        first = session_with_transcript(
            host=teacher, school_class=alpha.school_class, cues=["photosynthesis"], start=START
        )
        second = session_with_transcript(
            host=teacher,
            school_class=alpha.school_class,
            cues=["photosynthesis"],
            start=START + hours(24),
        )
        other = session_with_transcript(
            host=teacher, school_class=other_class, cues=["photosynthesis"], start=START
        )
        admin = alpha.users["admin"]

        def meetings(**filters):
            result = transcripts_search(user=admin, text="photosynthesis", **filters)
            return {h.meeting_id for h in result.hits}

        # when / then
        assert meetings() == {first.pk, second.pk, other.pk}
        assert meetings(class_id=str(alpha.school_class.pk)) == {first.pk, second.pk}
        assert meetings(class_id=other_class.pk) == {other.pk}
        assert meetings(start_from=START + hours(24)) == {second.pk}
        assert meetings(start_to=START + hours(24)) == {first.pk, other.pk}
        assert meetings(start_from=START, start_to=START + hours(1)) == {first.pk, other.pk}
        assert meetings(class_id=alpha.school_class.pk, start_from=START + hours(1)) == {second.pk}
        assert meetings(start_from=START + hours(48)) == set()
        beta_class = beta.school_class.pk
        for unknown in ("999999", "abc", "-1", "", beta_class + 1000):
            with pytest.raises(NotFound):
                transcripts_search(user=admin, text="photosynthesis", class_id=unknown)


def test_a_class_the_viewer_cannot_see_is_not_found(alpha):
    with schema_context(alpha.schema):
        other_class = class_create(name="Physics", teachers=[])
        session_with_transcript(
            host=alpha.users["admin"], school_class=other_class, cues=["photosynthesis"]
        )

        with pytest.raises(NotFound):
            transcripts_search(
                user=alpha.users["teacher"], text="photosynthesis", class_id=other_class.pk
            )


@pytest.mark.parametrize("with_ready", [False, True])
def test_transcripts_not_ready_are_not_searched(alpha, with_ready):
    with schema_context(alpha.schema):
        for status in (Transcript.Status.PENDING, Transcript.Status.FAILED):
            session_with_transcript(
                host=alpha.users["teacher"], cues=["photosynthesis"], status=status
            )
        if with_ready:
            session_with_transcript(host=alpha.users["teacher"], cues=["Ready photosynthesis."])

        expected = ["Ready photosynthesis."] if with_ready else []
        assert found(alpha, "photosynthesis") == expected
        assert found(alpha, "photosynthesis", "teacher") == expected


# --- who finds what (the roles and audiences: access_matrix.py, test_access_matrix.py) ------


def test_a_teacher_finds_their_own_session_without_a_class(alpha):
    with schema_context(alpha.schema):
        other_teacher = person("t2@alpha.test", Role.TEACHER)
        session_with_transcript(host=alpha.users["teacher"], cues=["photosynthesis"])

        assert found(alpha, "photosynthesis", "teacher") == ["photosynthesis"]
        assert transcripts_search(user=other_teacher, text="photosynthesis").total == 0


def test_an_inactive_person_finds_nothing(alpha):
    with schema_context(alpha.schema):
        session_with_transcript(host=alpha.users["teacher"], cues=["photosynthesis"])
        admin = User.objects.get(pk=alpha.users["admin"].pk)
        admin.is_active = False

        assert transcripts_search(user=admin, text="photosynthesis").total == 0


def test_another_schools_transcripts_are_never_found(alpha, beta):
    # given: both schools say the word
    with schema_context(alpha.schema):
        session_with_transcript(host=alpha.users["teacher"], cues=["Alpha's photosynthesis."])
    with schema_context(beta.schema):
        session_with_transcript(host=beta.users["teacher"], cues=["Beta's photosynthesis."])

    # when / then: each school's admin finds their own only
    with schema_context(alpha.schema):
        assert found(alpha, "photosynthesis") == ["Alpha's photosynthesis."]
    with schema_context(beta.schema):
        assert found(beta, "photosynthesis") == ["Beta's photosynthesis."]
