"""The recordings' access matrix, shared by every entry point (test_access_matrix.py runs it):
who sees what of four recorded sessions of alpha's class.

Sessions (each linked to the class, hosted by its teacher, recorded with an MP4, a TRANSCRIPT
and a CHAT file, a transcript whose cues say the session's own word, and a summary):

- "class": audience CLASS;
- "teachers": audience TEACHERS (a staff session linked to the class);
- "personal_invited": audience PERSONAL, the enrolled student invited;
- "personal": audience PERSONAL, nobody of the matrix invited.

Viewers: alpha's admin, the class's teacher, another teacher, the enrolled student (the school
showing recordings to students or not), another student, the enrolled student's parent (shown
or not), another student's parent, and beta's admin.

What a viewer gets of a session (`LEVELS`):

- "manage": sees everything and may delete and rewrite;
- "read": sees the recordings, transcript and summary (only the files students may have);
- "hidden": sees the session but not its recordings ([] / null / null; the mutations and the
  routes answer not found);
- "none": not even the session (NotFound everywhere; absent from batches and search).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django_tenants.utils import schema_context

from attendance.recordings.models import RecordingFile, TranscriptCue
from meetings.models import Meeting, TargetAudience
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.school.services import class_create, class_enrol, parent_link

from .conftest import CLASS_START, UUID, recorded, school_shows

SESSIONS = ("class", "teachers", "personal_invited", "personal")
AUDIENCES = {
    "class": TargetAudience.CLASS,
    "teachers": TargetAudience.TEACHERS,
    "personal_invited": TargetAudience.PERSONAL,
    "personal": TargetAudience.PERSONAL,
}
# The word each session's transcript says (searchTranscripts finds it).
WORDS = {
    "class": "photosynthesis",
    "teachers": "timetable",
    "personal_invited": "homework",
    "personal": "counselling",
}


@dataclass(frozen=True)
class Viewer:
    name: str  # the test id
    who: str  # a role of alpha's world, "other_*" (made here) or "beta_admin"
    students: bool = True  # the school shows recordings to students
    parents: bool = True  # ... and to parents


VIEWERS = [
    Viewer("admin", "admin", False, False),
    Viewer("class_teacher", "teacher", False, False),
    Viewer("other_teacher", "other_teacher"),
    Viewer("student_shown", "student", True, False),
    Viewer("student_not_shown", "student", False, True),
    Viewer("other_student", "other_student"),
    Viewer("parent_shown", "parent", False, True),
    Viewer("parent_not_shown", "parent", True, False),
    Viewer("other_parent", "other_parent"),
    Viewer("beta_admin", "beta_admin"),
]

M, R, H, N = "manage", "read", "hidden", "none"
# viewer → level for each session of SESSIONS
LEVELS: dict[str, tuple[str, str, str, str]] = {
    #                  class teachers personal_invited personal
    "admin": (M, M, M, M),
    "class_teacher": (M, M, M, M),
    "other_teacher": (N, H, N, N),
    "student_shown": (R, N, R, N),
    "student_not_shown": (H, N, H, N),
    "other_student": (N, N, N, N),
    "parent_shown": (R, N, N, N),
    "parent_not_shown": (H, N, N, N),
    "other_parent": (N, N, N, N),
    "beta_admin": (N, N, N, N),
}

# The files students and parents may play or download; managers have every kind.
VIEWER_FILE_TYPES = frozenset({"MP4", "M4A", "TRANSCRIPT", "CC"})


@dataclass
class Matrix:
    world: object
    beta: object
    meetings: dict[str, Meeting]
    recordings: dict[str, object]
    files: dict[str, dict[str, RecordingFile]]  # session → file type → file
    people: dict[str, object]

    def user(self, viewer: Viewer):
        if viewer.who == "beta_admin":
            return self.beta.users["admin"]  # type: ignore[attr-defined]
        return self.people.get(viewer.who) or self.world.users[viewer.who]  # type: ignore[attr-defined]

    def client(self, viewer: Viewer):
        """A signed-in client on the host of the viewer's school."""
        school_shows(self.world, students=viewer.students, parents=viewer.parents)
        world = self.beta if viewer.who == "beta_admin" else self.world
        client = world.client()  # type: ignore[attr-defined]
        with schema_context(world.schema):  # type: ignore[attr-defined]
            client.force_login(self.user(viewer))
        return client

    def level(self, viewer: Viewer, session: str) -> str:
        return LEVELS[viewer.name][SESSIONS.index(session)]


def uuid_of(session: str) -> str:
    return UUID if session == "class" else f"{session}-uuid=="


def build(world, beta) -> Matrix:
    """The four recorded sessions and the people of the matrix, in alpha."""
    with schema_context(world.schema):
        people = {
            "other_teacher": user_create(
                email="mx.t2@alpha.test", password=None, role=Role.TEACHER, name="Other T"
            ),
            "other_student": user_create(
                email="mx.s2@alpha.test", password=None, role=Role.STUDENT, name="Other S"
            ),
            "other_parent": user_create(
                email="mx.p2@alpha.test", password=None, role=Role.PARENT, name="Other P"
            ),
        }
        other_class = class_create(name="Other class", teachers=[people["other_teacher"]])
        class_enrol(school_class=other_class, students=[people["other_student"]])
        parent_link(parent=people["other_parent"], student=people["other_student"])
        meetings, recordings, files = {}, {}, {}
        for n, name in enumerate(SESSIONS):
            start = CLASS_START + timedelta(days=n)
            meeting = Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title=f"Session {name}",
                target_audience=AUDIENCES[name],
                start_time=start,
                duration_minutes=60,
                status=Meeting.Status.ENDED,
                actual_start=start,
                actual_end=start + timedelta(minutes=61),
                zoom_meeting_id=str(1234567890 + n),
                zoom_uuid=uuid_of(name),
                zoom_account=Meeting.Account.ACCOUNT,
            )
            if name == "personal_invited":
                meeting.invitees.add(world.users["student"])
            recording = recorded(meeting, uuid=uuid_of(name), files=3)
            TranscriptCue.objects.filter(meeting=meeting).update(text=f"{WORDS[name]} today")
            meetings[name] = meeting
            recordings[name] = recording
            files[name] = {f.file_type: f for f in recording.files.all()}
    return Matrix(world, beta, meetings, recordings, files, people)
