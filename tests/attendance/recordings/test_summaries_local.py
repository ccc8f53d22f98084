"""The local summariser: the transcript's own sentences, in order, bounded; the action items it
states, with who said them and when; none where nothing was asked. English and Bengali."""

import pytest

from attendance.recordings.summarisers.draft import Cue
from attendance.recordings.summarisers.local import (
    MAX_ACTION_ITEMS,
    MAX_SENTENCES,
    SUMMARY_MAX_CHARS,
    action_strength,
    sentences_of,
    summarise_local,
)

from .summary_transcripts import (
    BENGALI,
    BENGALI_ACTIONS,
    ENGLISH,
    ENGLISH_ACTIONS,
    NO_ACTIONS,
    TEACHER,
    cues,
)


def _spoken(transcript) -> list[str]:
    return [s.text for s in sentences_of(transcript)]


@pytest.mark.parametrize("transcript", [ENGLISH, BENGALI], ids=["english", "bengali"])
def test_the_summary_is_the_transcripts_own_sentences_in_order_and_bounded(transcript):
    # when
    draft = summarise_local(transcript)

    # then: each line is a sentence as said, in the order said, a handful at most
    lines = draft.text.split("\n")
    spoken = _spoken(transcript)
    assert 1 <= len(lines) <= MAX_SENTENCES
    assert all(line in spoken for line in lines)
    assert [spoken.index(line) for line in lines] == sorted(spoken.index(line) for line in lines)
    assert len(draft.text) <= SUMMARY_MAX_CHARS
    assert draft.method == "local" and draft.model == "" and draft.fallback_reason == ""


def test_the_english_summary_is_about_the_lesson_not_the_greetings():
    draft = summarise_local(ENGLISH)

    assert "photosynthesis" in draft.text.lower()
    for chatter in ("Good morning", "hear me", "Thank you everyone", "mute", "?"):
        assert chatter not in draft.text


def test_a_sentence_broken_across_cues_is_one_sentence_with_the_time_it_began():
    sentences = sentences_of(ENGLISH)

    glucose = next(s for s in sentences if s.text.startswith("Today we are learning"))
    assert glucose.text.endswith("chemical energy stored in glucose.")
    assert (glucose.speaker, glucose.start_ms) == (TEACHER, 14_000)


def test_the_bengali_summary_splits_at_the_danda_and_skips_the_greetings():
    draft = summarise_local(BENGALI)

    lines = draft.text.split("\n")
    assert all(line.endswith("।") for line in lines)
    assert "সালোকসংশ্লেষণ" in draft.text or "ক্লোরোফিল" in draft.text or "গ্লুকোজ" in draft.text
    for chatter in ("নমস্কার", "শুনতে পাচ্ছ", "ধন্যবাদ"):
        assert chatter not in draft.text


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [(ENGLISH, ENGLISH_ACTIONS), (BENGALI, BENGALI_ACTIONS)],
    ids=["english", "bengali"],
)
def test_the_action_items_are_the_sentences_that_ask_with_speaker_and_time(transcript, expected):
    draft = summarise_local(transcript)

    assert [(a.text, a.speaker, a.start_ms) for a in draft.action_items] == [
        (text, who, seconds * 1000) for text, who, seconds in expected
    ]


def test_a_class_that_asks_nothing_has_no_action_items():
    draft = summarise_local(NO_ACTIONS)

    assert draft.action_items == ()
    assert draft.text  # it still has a summary


@pytest.mark.parametrize(
    "text",
    [
        "Don't forget to bring your calculators on Monday.",
        "Make sure you revise the formulas before the test.",
        "The essay is due next Tuesday.",
        "You need to finish the worksheet at home.",
        "I want everyone to read pages 10 to 12.",
        "Read chapter 5 for next class.",
        "Please hand in your lab reports.",
        "Can you send me the answers by Friday?",
        "তোমাদের সবাইকে পাঁচটি অঙ্ক করতে হবে।",
        "মনে রাখবে, পরীক্ষায় সূত্রগুলো লাগবে।",
        "অধ্যায়টি পড়ে আসবে।",
        "বৃহস্পতিবারের মধ্যে প্রজেক্ট শেষ করো।",
        "ক্যালকুলেটর আনতে ভুলো না।",
        "দয়া করে উত্তরগুলো খাতায় লিখে রাখো।",
        "তোমরা অবশ্যই বইয়ের অনুশীলনী করবে।",
        "I want you to finish the worksheet at home.",
    ],
)
def test_phrases_that_ask_something_are_action_items(text):
    assert action_strength(text) > 0


@pytest.mark.parametrize(
    "text",
    [
        "Please mute your microphones.",
        "Did everyone do the homework?",
        "The flight was delayed due to the storm.",
        "We need to find the value of x first.",
        "Photosynthesis happens in the chloroplasts.",
        "You must have seen this before.",
        "Look at the second graph.",
        "আমাদের প্রথমে x এর মান বের করতে হবে।",
        "অবশ্যই, এটা ঠিক উত্তর।",
        "দয়া করে মাইক বন্ধ রাখো।",
        "পরের ক্লাসে আমরা আলোর প্রতিফলন নিয়ে আলোচনা করব।",
        "I have a question about the homework.",
        "So we went over last week's homework.",
        "আমার বাড়ির কাজ নিয়ে একটা প্রশ্ন আছে।",
    ],
)
def test_explanations_questions_and_room_logistics_are_not(text):
    assert action_strength(text) == 0


def test_a_run_on_without_full_stops_falls_back_to_its_cues():
    # given: speech recognition wrote no punctuation for a long stretch
    words = "the mitochondria release energy from glucose in every living cell we study"
    run_on = cues([(TEACHER, i * 4, words) for i in range(8)])

    sentences = sentences_of(run_on)

    assert [s.start_ms for s in sentences] == [i * 4000 for i in range(8)]
    assert all(s.text == words for s in sentences)


def test_action_items_are_capped_keeping_the_strongest_and_latest():
    # given: a "please" early, then more homework than the cap
    rows = [(TEACHER, 0, "Please open your books.")]
    rows += [
        (TEACHER, 10 + i, f"Homework {i}: solve problem {i} on page {i + 40}.") for i in range(12)
    ]

    draft = summarise_local(cues(rows))

    assert len(draft.action_items) == MAX_ACTION_ITEMS
    assert [a.start_ms for a in draft.action_items] == [(10 + i) * 1000 for i in range(2, 12)]


def test_nothing_to_say_is_an_empty_draft():
    assert summarise_local([]).text == ""
    assert summarise_local([Cue("A", 0, "Okay."), Cue("B", 1, "Yes.")]).action_items == ()


def test_a_class_of_three_lines_still_has_a_summary():
    # given: the Zoom sandbox's built-in class
    short = cues(
        [
            (TEACHER, 5, "Good morning everyone, let's begin."),
            ("Ann A", 60, "I have a question about the homework."),
            (TEACHER, 1180, "See you next time."),
        ]
    )

    draft = summarise_local(short)

    assert draft.text == "I have a question about the homework."
    assert draft.action_items == ()
