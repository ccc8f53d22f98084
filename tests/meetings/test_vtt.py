"""The WebVTT transcript parser, on Zoom-style transcripts and the variations WebVTT allows."""

from meetings.providers.base import TranscriptEntry
from meetings.zoom.vtt import parse_vtt

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


def test_a_cue_without_text_is_kept_empty():
    (entry,) = parse_vtt("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n")

    assert (entry.speaker, entry.text) == ("", "")
