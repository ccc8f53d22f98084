"""The class as Zoom would deliver it, built before anything is sent: who attends (`roster`),
and `build_script`, the webhook bodies in delivery order with Zoom's real-world messiness when
asked for (`Quirks`), plus the ground truth the sandbox stores (one row per join segment) and a
transcript. The player (`zoom_sandbox.player`) sends it."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from zoom_sandbox.common import zoom_time

FIRST_PARTICIPANT_USER_ID = 16778240  # Zoom's per-meeting participant ids look like this


@dataclass(frozen=True)
class Student:
    name: str
    email: str
    registrant_id: str = ""


@dataclass(frozen=True)
class Quirks:
    """Which of Zoom's real-world delivery habits to reproduce."""

    duplicates: bool = False  # some events delivered twice
    out_of_order: bool = False  # some adjacent events swapped
    late_leave: bool = False  # one participant_left arrives after meeting.ended
    mixed_id_types: bool = False  # object.id a string in some events, a number in others
    registrant_id_variants: bool = False  # registrant_id absent, null, "" or real
    missing_participant_uuid: bool = False  # older payloads without participant_uuid
    reused_user_ids: bool = False  # participant.user_id shared by two different people

    @classmethod
    def all(cls) -> Quirks:
        return cls(**{f.name: True for f in fields(cls)})

    @classmethod
    def none(cls) -> Quirks:
        return cls()

    @classmethod
    def of(cls, value: Quirks | bool | None) -> Quirks:
        if isinstance(value, Quirks):
            return value
        return cls.all() if value else cls.none()


@dataclass
class ScriptedEvent:
    at: float  # class seconds since the start at which Zoom would send it
    body: dict
    who: str = ""
    flags: set[str] = field(default_factory=set)  # duplicate, out_of_order, late

    @property
    def event(self) -> str:
        return self.body["event"]


@dataclass
class Script:
    start: datetime
    end: datetime
    uuid: str
    meeting_id: int
    events: list[ScriptedEvent]  # in delivery order
    participants: list[dict]  # ground truth, one row per join segment (Zoom's report shape)
    transcript: list[tuple[float, float, str, str]]


def stable_user_id(key: str) -> str:
    """A Zoom-looking user id that stays the same for one person across classes."""
    digest = hashlib.sha256(key.lower().encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def _as_student(value) -> Student:
    if isinstance(value, Student):
        return value
    if isinstance(value, dict):
        return Student(value["name"], value.get("email", ""), value.get("registrant_id") or "")
    name, email, *rest = value
    return Student(name, email, (rest[0] if rest else "") or "")


def roster(
    *,
    students: Iterable | None,
    registrants: Sequence[dict],
    participants: int | None,
    rng: random.Random,
    email_domain: str = "demo.test",
) -> list[Student]:
    """Who attends: the given students, else the meeting's registrants, topped up with generated
    `Student NN` people; `participants` of them attend (the others are absent)."""
    if students is not None:
        pool = [_as_student(s) for s in students]
    else:
        pool = [
            Student(f"{r['first_name']} {r['last_name']}".strip(), r["email"], r["registrant_id"])
            for r in registrants
        ]
    wanted = participants if participants is not None else (len(pool) or 20)
    emails = {s.email for s in pool}
    number = 0
    while len(pool) < wanted:
        number += 1
        email = f"student{number:02d}@{email_domain}"
        if email not in emails:
            pool.append(Student(f"Student {number:02d}", email))
    if wanted < len(pool):
        keep = set(rng.sample(range(len(pool)), wanted))
        pool = [s for i, s in enumerate(pool) if i in keep]
    return pool


@dataclass
class _Person:
    name: str
    email: str
    registrant_id: str
    zoom_id: str  # the participant's Zoom user id ("" for guests who are not signed in)
    participant_uuid: str
    is_host: bool = False
    segments: list[list] = field(default_factory=list)  # [join_at, leave_at, user_id, reason]


def build_script(
    begun: dict,
    attendees: Sequence[Student],
    *,
    start: datetime,
    duration_seconds: int,
    quirks: Quirks,
    rng: random.Random,
    guest: bool = True,
    record: bool = False,
) -> Script:
    """The class as a list of webhook bodies in delivery order, and its ground truth."""
    meeting, host = begun["meeting"], begun["host"]
    length = duration_seconds
    end = start + timedelta(seconds=length)

    def uid() -> str:
        return secrets.token_urlsafe(16)[:22]

    host_person = _Person(
        host["display_name"] or host["email"], host["email"], "", host["id"], uid(), True
    )
    host_person.segments.append([1, length, None, "ended"])
    people = [host_person]
    students = [
        _Person(s.name, s.email, s.registrant_id, stable_user_id(s.email or s.name), uid())
        for s in attendees
    ]
    order = list(range(len(students)))
    rng.shuffle(order)
    rejoiners = max(1, len(students) // 5) if len(students) >= 3 else 0
    early = order[rejoiners] if len(students) >= 4 else None
    late = order[rejoiners + 1] if len(students) >= 5 else None
    for index, person in enumerate(students):
        join = round(rng.uniform(0.01, 0.12) * length) + 2
        if index == late:
            person.segments.append([round(rng.uniform(0.75, 0.85) * length), length, 0, "ended"])
        elif index == early:
            leave = max(join + 60, round(rng.uniform(0.15, 0.3) * length))
            person.segments.append([join, min(leave, length - 1), 0, "left"])
        elif index in order[:rejoiners]:
            leave = round(rng.uniform(0.3, 0.5) * length)
            back = min(length - 30, leave + round(rng.uniform(0.03, 0.1) * length))
            person.segments.append([join, leave, 0, "left"])
            person.segments.append([max(back, leave + 1), length, 0, "ended"])
        else:
            person.segments.append([join, length, 0, "ended"])
        people.append(person)
    if guest:
        visitor = _Person("Guest visitor", "", "", "", uid())
        join = round(rng.uniform(0.05, 0.15) * length)
        visitor.segments.append([join, round(rng.uniform(0.5, 0.8) * length), 0, "left"])
        people.append(visitor)

    # Per-join participant ids; with reused_user_ids the guest gets one a student already had.
    joins = sorted(
        (seg[0], p_index, s_index)
        for p_index, p in enumerate(people)
        for s_index, seg in enumerate(p.segments)
    )
    for number, (_, p_index, s_index) in enumerate(joins):
        people[p_index].segments[s_index][2] = str(FIRST_PARTICIPANT_USER_ID + 1024 * number)
    if quirks.reused_user_ids and guest and len(people) > 2:
        people[-1].segments[0][2] = people[1].segments[0][2]

    uuid_missing: set[int] = set()
    if quirks.missing_participant_uuid:
        candidates = list(range(1, len(people)))
        if candidates:
            uuid_missing = set(rng.sample(candidates, max(1, len(candidates) // 3)))

    base = {
        "id": int(meeting["id"]),
        "uuid": begun["uuid"],
        "host_id": meeting["host_id"],
        "topic": meeting["topic"],
        "type": meeting["type"],
        "start_time": zoom_time(start),
        "timezone": meeting.get("timezone", "UTC"),
        "duration": meeting.get("duration", round(length / 60)),
    }
    account_id = begun["account_id"]

    def envelope(event: str, at: float, obj: dict) -> dict:
        ts = int((start + timedelta(seconds=at)).timestamp() * 1000)
        return {
            "event": event,
            "event_ts": ts,
            "payload": {"account_id": account_id, "object": {**base, **obj}},
        }

    def participant(person: _Person, p_index: int, segment, leaving: bool) -> dict:
        join_at, leave_at, user_id, reason = segment
        body = {
            "user_id": user_id,
            "user_name": person.name,
            "id": person.zoom_id,
            "participant_uuid": person.participant_uuid,
        }
        if leaving:
            body["leave_time"] = zoom_time(start + timedelta(seconds=leave_at))
            why = "Host ended the meeting." if reason == "ended" else "left the meeting"
            body["leave_reason"] = f"{person.name} left the meeting.<br>Reason: {why}"
        else:
            body["join_time"] = zoom_time(start + timedelta(seconds=join_at))
        body["email"] = person.email
        if person.registrant_id:
            body["registrant_id"] = person.registrant_id
        body["participant_user_id"] = person.zoom_id
        if p_index in uuid_missing:
            del body["participant_uuid"]
        if quirks.registrant_id_variants:
            if not person.registrant_id:
                variant = rng.choice(("absent", None, ""))
                if variant != "absent":
                    body["registrant_id"] = variant
            elif leaving and rng.random() < 0.3:
                del body["registrant_id"]
        return body

    timeline: list[tuple[float, int, ScriptedEvent]] = []
    sequence = 0

    def add(at: float, event: str, obj: dict, who: str = "") -> None:
        nonlocal sequence
        sequence += 1
        timeline.append((at, sequence, ScriptedEvent(at, envelope(event, at, obj), who)))

    add(0, "meeting.started", {})
    for p_index, person in enumerate(people):
        for segment in person.segments:
            join_body = participant(person, p_index, segment, leaving=False)
            add(segment[0], "meeting.participant_joined", {"participant": join_body}, person.name)
    end_leaves = []
    for p_index, person in enumerate(people):
        for segment in person.segments:
            if segment[3] == "ended":
                end_leaves.append((p_index, person, segment))
                continue
            leave_body = participant(person, p_index, segment, leaving=True)
            add(segment[1], "meeting.participant_left", {"participant": leave_body}, person.name)
    # At the end Zoom reports everyone still in the room leaving, the host last, then the end.
    end_leaves.sort(key=lambda item: item[1].is_host)
    for p_index, person, segment in end_leaves:
        leave_body = participant(person, p_index, segment, leaving=True)
        add(length, "meeting.participant_left", {"participant": leave_body}, person.name)
    add(length, "meeting.ended", {"end_time": zoom_time(end)})
    timeline.sort(key=lambda item: (item[0], item[1]))
    events = [item[2] for item in timeline]

    if quirks.mixed_id_types:
        for index, item in enumerate(events):
            as_text = index == 1 or (index > 1 and rng.random() < 0.5)
            obj = item.body["payload"]["object"]
            obj["id"] = str(obj["id"]) if as_text else int(obj["id"])
    if quirks.late_leave:
        ended = next(i for i, e in enumerate(events) if e.event == "meeting.ended")
        leaves = [
            i
            for i, e in enumerate(events[:ended])
            if e.event == "meeting.participant_left"
            and e.at == length
            and e.who != host_person.name
        ]
        if leaves:
            moved = events.pop(rng.choice(leaves))
            moved.flags.add("late")
            events.append(moved)
    if quirks.out_of_order:
        middle = [
            i
            for i in range(1, len(events) - 1)
            if events[i].event.startswith("meeting.participant")
            and events[i + 1].event.startswith("meeting.participant")
        ]
        swaps = rng.sample(middle, min(len(middle), max(1, len(events) // 15)))
        for i in sorted(swaps):
            if "out_of_order" in events[i].flags or "out_of_order" in events[i + 1].flags:
                continue
            events[i], events[i + 1] = events[i + 1], events[i]
            events[i].flags.add("out_of_order")
            events[i + 1].flags.add("out_of_order")
    if quirks.duplicates:
        originals = [e for e in events if e.event != "meeting.ended"]
        for item in rng.sample(originals, min(len(originals), max(1, len(events) // 10))):
            copy = replace(item, body=json.loads(json.dumps(item.body)), flags={"duplicate"})
            position = next(i for i, e in enumerate(events) if e is item) + 1 + rng.randint(0, 2)
            events.insert(min(position, len(events)), copy)
    if record:
        # Zoom's order: the recording a couple of minutes after the end, its audio transcript
        # a few minutes later (the player fills both bodies in once the sandbox has them).
        events.append(ScriptedEvent(length + 120, {"event": "recording.completed"}))
        events.append(ScriptedEvent(length + 300, {"event": "recording.transcript_completed"}))

    rows = []
    for person in people:
        for join_at, leave_at, user_id, _ in person.segments:
            row = {
                "id": person.zoom_id,
                "name": person.name,
                "user_id": user_id,
                "user_email": person.email,
                "join_time": zoom_time(start + timedelta(seconds=join_at)),
                "leave_time": zoom_time(start + timedelta(seconds=leave_at)),
                "duration": int(leave_at - join_at),
                "failover": False,
                "status": "in_meeting",
                "internal_user": person.is_host,
                "participant_user_id": person.zoom_id,
                "participant_uuid": person.participant_uuid,
            }
            if person.registrant_id:
                row["registrant_id"] = person.registrant_id
            rows.append(row)
    rows.sort(key=lambda r: r["join_time"])

    transcript = class_transcript(host_person.name, [p.name for p in people[1:4]], length)
    return Script(start, end, begun["uuid"], int(meeting["id"]), events, rows, transcript)


# The built-in transcript: (share of the class, who speaks: 0 the host, n the n-th student,
# what is said). It has what the platform looks for in one: an action item for the summary, and
# Bengali for search in both of the school's languages.
CLASS_LINES: tuple[tuple[float, int, str], ...] = (
    (0.0, 0, "Good morning everyone, let's begin."),
    (0.04, 0, "Today we are looking at fractions: halves, thirds and quarters."),
    (0.07, 0, "আজ আমরা ভগ্নাংশ নিয়ে কাজ করব, তারপর কয়েকটি অনুশীলন করব।"),
    (0.12, 0, "A fraction has a numerator on top and a denominator below the line."),
    (0.2, 1, "I have a question about the homework."),
    (0.22, 0, "Good question. Let's work through the first example together."),
    (0.3, 2, "So one half is the same as two quarters?"),
    (0.32, 0, "Exactly: those are equivalent fractions, the same amount written differently."),
    (0.45, 3, "আমি বুঝতে পেরেছি, ধন্যবাদ স্যার।"),
    (0.55, 0, "Now compare three fifths and two thirds on the number line."),
    (0.7, 1, "Two thirds is bigger, because it is closer to one."),
    (0.85, 0, "Please finish exercise 3 by Friday."),
    (0.9, 0, "Remember to bring your workbook to the next class."),
    (0.97, 0, "See you next time."),
)


def class_transcript(
    host: str, students: Sequence[str], length: float
) -> list[tuple[float, float, str, str]]:
    """The built-in transcript of a class `length` seconds long: the host and up to three
    students (a line of a student who is not there is left out)."""
    lines = []
    for share, who, text in CLASS_LINES:
        if who > len(students):
            continue
        at = max(5.0, round(share * length, 1))
        end = min(at + 4.5, max(at, length - 1.0))
        lines.append((at, end, host if who == 0 else students[who - 1], text))
    return lines
