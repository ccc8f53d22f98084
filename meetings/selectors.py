from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from meetings.events import MeetingSummary
from meetings.models import Meeting, SchedulingPolicy, ZoomConnection
from meetings.zoom.factory import zoom_settings
from tenants.accounts.models import Role, User
from tenants.confirmation import school_here
from tenants.people_import.models import PeopleImport
from tenants.school.models import SchoolClass


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting as realtime events and snapshots carry it: plain data."""
    return MeetingSummary.of(meeting).data()


def zoom_connection_for(*, user: User) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()


def scheduling_policy() -> SchedulingPolicy:
    """The school's scheduling rules: its row, or the defaults (unsaved) when it has none."""
    return SchedulingPolicy.objects.filter(singleton=True).first() or SchedulingPolicy()


# --- a school's setup (the admin's getting-started checklist) --------------------------------


@dataclass(frozen=True)
class SetupStep:
    key: str
    done: bool
    count: int = 0


def school_setup_steps() -> list[SetupStep]:
    """Where the school stands on the way to its first class, in the order an admin takes the
    steps, from its data (a handful of counts). A teacher's own Zoom is not needed when the
    school's Server-to-Server account hosts the classes."""
    school = school_here()
    zoom = zoom_settings()
    teachers = User.objects.filter(role=Role.TEACHER, deleted_at__isnull=True)
    connected = ZoomConnection.objects.filter(status=ZoomConnection.Status.ACTIVE).count()
    classes = SchoolClass.objects.count()
    meetings = Meeting.objects.exclude(status=Meeting.Status.CANCELLED).count()
    learners = User.objects.filter(
        role__in=(Role.STUDENT, Role.PARENT), deleted_at__isnull=True
    ).count()
    imported = PeopleImport.objects.filter(status=PeopleImport.Status.DONE).exists()
    configured = zoom.has_app_credentials and bool(zoom.webhook_secret_token)
    return [
        SetupStep(
            "email_confirmed",
            school is not None and school.admin_email_confirmed_at is not None,
        ),
        SetupStep("zoom_configured", configured),
        SetupStep("zoom_tested", configured and zoom.last_test_result == "ok"),
        SetupStep("teacher_invited", teachers.exists(), teachers.count()),
        SetupStep("teacher_connected", connected > 0 or zoom.has_account_credentials, connected),
        SetupStep("class_created", classes > 0, classes),
        SetupStep("class_scheduled", meetings > 0, meetings),
        SetupStep("people_imported", imported or learners > 0, learners),
    ]


def zoom_connections_of_teachers() -> QuerySet[User]:
    """Teachers (invited ones included) and anyone else with a Zoom connection, by name, each
    with `zoom_connection` loaded (or none): what the admins' list of connections shows."""
    return (
        User.objects.filter(
            Q(role=Role.TEACHER) | Q(zoom_connection__isnull=False), deleted_at__isnull=True
        )
        .select_related("zoom_connection")
        .order_by("name", "email", "pk")
    )
