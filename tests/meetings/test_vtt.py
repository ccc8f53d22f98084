"""The WebVTT transcript parser, on Zoom-style transcripts and the variations WebVTT allows."""

import unicodedata

from meetings.providers.base import TranscriptEntry
from meetings.zoom.vtt import parse_vtt, vtt_check, vtt_parse

ZOOM_TRANSCRIPT = """WEBVTT

1
00:00:01.500 --> 00:00:04.250
Jill Chill: Good morning, everyone.

2
00:00:05.000 --> 00:00:09.000
Sam O'Neil: Morning! Can you hear me?

3
01:02:03.004 --> 01:02:07.100
Jill Chill: Yes. Let's start
with chapter two.
"""


def test_parses_numbered_cues_with_speakers():
    # when
    entries = parse_vtt(ZOOM_TRANSCRIPT)

    # then
    assert entries == (
        TranscriptEntry(1, 1.5, 4.25, "Jill Chill", "Good morning, everyone."),
        TranscriptEntry(2, 5.0, 9.0, "Sam O'Neil", "Morning! Can you hear me?"),
        TranscriptEntry(3, 3723.004, 3727.1, "Jill Chill", "Yes. Let's start\nwith chapter two."),
    )


def test_a_bom_crlf_and_bytes_are_accepted():
    # given
    raw = ("\ufeff" + ZOOM_TRANSCRIPT.replace("\n", "\r\n")).encode("utf-8")

    # when
    entries = parse_vtt(raw)

    # then
    assert [e.index for e in entries] == [1, 2, 3]
    assert entries[0].speaker == "Jill Chill"
    assert entries[2].text == "Yes. Let's start\nwith chapter two."


def test_a_bom_in_text_is_accepted():
    assert parse_vtt("\ufeff" + ZOOM_TRANSCRIPT)[1].speaker == "Sam O'Neil"


def test_extra_blank_lines_notes_styles_and_cue_settings_are_skipped():
    # given
    text = """WEBVTT - Zoom transcript
Kind: captions


NOTE exported by Zoom
spanning two lines

STYLE
::cue { color: yellow }

7
00:00:01.000 --> 00:00:02.000 align:start position:10%
Ann: Hello



8
00:00:03.000 --> 00:00:04.000
Ben: Bye
"""

    # when
    entries = parse_vtt(text)

    # then
    assert entries == (
        TranscriptEntry(7, 1.0, 2.0, "Ann", "Hello"),
        TranscriptEntry(8, 3.0, 4.0, "Ben", "Bye"),
    )


def test_cues_without_numbers_or_hours_are_indexed_by_position():
    # given
    text = "WEBVTT\n\n00:01.000 --> 00:02.500\nAnn: One\n\nintro\n00:03.000 --> 00:04.000\nTwo\n"

    # when
    entries = parse_vtt(text)

    # then
    assert entries == (
        TranscriptEntry(1, 1.0, 2.5, "Ann", "One"),
        TranscriptEntry(2, 3.0, 4.0, "", "Two"),
    )


def test_lines_without_a_speaker_keep_their_colons():
    # given
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nWe meet at 12:30, see https://x.test/a\n"

    # when
    (entry,) = parse_vtt(text)

    # then
    assert entry.speaker == ""
    assert entry.text == "We meet at 12:30, see https://x.test/a"


def test_only_the_first_colon_separates_the_speaker():
    (entry,) = parse_vtt("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAnn: Note: at 9:00\n")

    assert (entry.speaker, entry.text) == ("Ann", "Note: at 9:00")


def test_voice_tags_give_the_speaker_and_other_tags_are_stripped():
    # given
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dr. Lee>It is <i>very</i> hot</v>\n"

    # when
    (entry,) = parse_vtt(text)

    # then
    assert (entry.speaker, entry.text) == ("Dr. Lee", "It is very hot")


def test_a_block_with_a_broken_timing_line_is_skipped():
    # given
    text = (
        "WEBVTT\n\n1\n00:00:xx.000 --> 00:00:02.000\nAnn: lost\n\n"
        "2\n00:00:03.000 --> 00:00:04.000\nAnn: kept\n"
    )

    # when
    entries = parse_vtt(text)

    # then
    assert [(e.index, e.text) for e in entries] == [(2, "kept")]


def test_an_empty_document_has_no_entries():
    assert parse_vtt("WEBVTT\n") == ()
    assert parse_vtt("") == ()


def test_a_cue_without_text_is_skipped_and_counted():
    parsed = vtt_parse(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n\n2\n00:00:03.000 --> 00:00:04.000\nAnn: kept\n"
    )

    assert [(e.index, e.text) for e in parsed.entries] == [(2, "kept")]
    assert parsed.skipped == 1
    assert parsed.problems == ("block 2: it has no text",)


# --- malformed cues: skipped and counted, never fatal -----------------------------------------


def test_malformed_cues_are_counted_with_their_reasons():
    # given: one good cue among five broken ones
    text = (
        "WEBVTT\n\n"
        "1\n00:00:xx.000 --> 00:00:02.000\nAnn: a timing that does not parse\n\n"
        "2\n00:00:09.000 --> 00:00:03.000\nAnn: ends before it starts\n\n"
        "3\n00:00:03.000 --> 00:00:04.000\n<b></b>\n\n"
        "4\n00:75:03.000 --> 00:75:04.000\nAnn: seventy-five minutes\n\n"
        "a stray line of text with no timing\n\n"
        "6\n00:00:05.000 --> 00:00:06.000\nAnn: the one that is kept\n"
    )

    # when
    parsed = vtt_parse(text)

    # then
    assert [(e.index, e.text) for e in parsed.entries] == [(6, "the one that is kept")]
    assert parsed.skipped == 5
    assert parsed.problems == (
        "block 2: the timing line does not parse",
        "block 3: it ends before it starts",
        "block 4: it has no text",
        "block 5: a timestamp has more than 59 minutes or seconds",
        "block 6: no timing line",
    )


def test_header_notes_styles_and_regions_are_not_counted_as_malformed():
    text = (
        "WEBVTT - Zoom\nKind: captions\n\nNOTE a note\n\nSTYLE\n::cue { color: red }\n\n"
        "REGION\nid:fred\n\n00:01.000 --> 00:02.000\nAnn: Hi\n"
    )

    parsed = vtt_parse(text)

    assert (len(parsed.entries), parsed.skipped) == (1, 0)


def test_a_cue_that_starts_and_ends_at_once_is_kept():
    parsed = vtt_parse("WEBVTT\n\n00:00:02.000 --> 00:00:02.000\nAnn: a blip\n")

    assert (len(parsed.entries), parsed.skipped) == (1, 0)


# --- Bengali and English, as the school speaks ------------------------------------------------


def test_bengali_and_english_cues_with_crlf_a_bom_and_voice_tags():
    # given: what a bilingual class's transcript looks like, as Windows tools save it
    text = (
        "\ufeffWEBVTT\r\n\r\n"
        "1\r\n00:00:01.000 --> 00:00:04.000\r\nরহিম আহমেদ: আজ আমরা ভগ্নাংশ শিখব।\r\n\r\n"
        "2\r\n00:00:05.000 --> 00:00:07.500\r\nAnn Lee: Please finish exercise 3 by Friday.\r\n\r\n"
        "3\r\n00:00:08.000 --> 00:00:09.000\r\n<v সুমাইয়া>ধন্যবাদ, <i>স্যার</i></v>\r\n"
    )

    # when
    parsed = vtt_parse(text.encode("utf-8"))

    # then
    assert [(e.speaker, e.text) for e in parsed.entries] == [
        ("রহিম আহমেদ", "আজ আমরা ভগ্নাংশ শিখব।"),
        ("Ann Lee", "Please finish exercise 3 by Friday."),
        ("সুমাইয়া", "ধন্যবাদ, স্যার"),
    ]
    assert parsed.skipped == 0


def test_text_and_speakers_are_nfc_whichever_form_the_file_used():
    # given: "বোন" with its vowel sign O composed (U+09CB) in one file and as its two parts
    # (U+09C7 U+09BE) in the other; the speaker's name likewise
    composed = "ব\u09cbন"
    decomposed = "ব\u09c7\u09beন"
    assert composed != decomposed

    def cue(word: str) -> str:
        return f"WEBVTT\n\n00:01.000 --> 00:02.000\n{word} দিদি: আমার {word}\n"

    # when
    (one,) = parse_vtt(cue(composed))
    (other,) = parse_vtt(cue(decomposed))

    # then: one spelling, the composed one
    assert (one.speaker, one.text) == (other.speaker, other.text)
    assert one.text == unicodedata.normalize("NFC", f"আমার {decomposed}") == f"আমার {composed}"


def test_invalid_utf8_is_replaced_not_fatal():
    raw = b"WEBVTT\n\n00:01.000 --> 00:02.000\nAnn: caf\xe9 \xff\n"

    (entry,) = parse_vtt(raw)

    assert entry.text == "caf\ufffd \ufffd"


# --- size -------------------------------------------------------------------------------------


def test_a_huge_transcript_parses_every_cue():
    # given: a ten-hour transcript of 30,000 cues (about 2.5 MB), one of them malformed
    lines = ["WEBVTT", ""]
    for n in range(30_000):
        start = n * 1.2
        lines += [
            str(n + 1),
            f"{_stamp(start)} --> {_stamp(start + 1.1)}",
            f"Speaker {n % 7}: sentence number {n} of a long class, ক্লাস {n}",
            "",
        ]
    lines[4 * 12_345 + 3] = "00:00:xx.000 --> 00:00:01.000"
    text = "\n".join(lines)
    assert len(text.encode()) > 2_000_000

    # when
    parsed = vtt_parse(text)

    # then
    assert (len(parsed.entries), parsed.skipped) == (29_999, 1)
    assert parsed.entries[-1].index == 30_000
    assert parsed.entries[-1].text.endswith("ক্লাস 29999")


def test_pathological_lines_are_read_in_linear_time():
    # given: a megabyte of "<a" with no closing ">" (a pattern that re-scanned to the end of
    # the line from each "<" would take hours here), and a megabyte-long speaker-less line
    tags = "<a" * 500_000
    colons = "x" * 1_000_000
    text = f"WEBVTT\n\n00:01.000 --> 00:02.000\n{tags}\n\n00:03.000 --> 00:04.000\n{colons}\n"

    # when
    first, second = parse_vtt(text)

    # then
    assert first.text == tags
    assert (second.speaker, len(second.text)) == ("", 1_000_000)


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


# --- is it WebVTT at all ----------------------------------------------------------------------


def test_vtt_check_accepts_a_transcript_and_says_why_another_file_is_not_one():
    assert vtt_check(ZOOM_TRANSCRIPT) == ""
    assert vtt_check(("\ufeff" + ZOOM_TRANSCRIPT.replace("\n", "\r\n")).encode()) == ""
    assert vtt_check("1\n00:00:01,000 --> 00:00:02,000\nAn SRT file\n") == (
        "it does not start with the WEBVTT header"
    )
    assert vtt_check("WEBVTT\n\nNOTE nothing else\n") == "it holds no readable cue"
    assert vtt_check(b"\x89PNG\r\n\x1a\n\x00\x00") == "it is not UTF-8 text"
    assert vtt_check("WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n") == (
        "it does not start with the WEBVTT header"
    )
