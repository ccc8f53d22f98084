import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from attendance.recordings.models import RecordingSettings
from attendance.recordings.policy import recording_settings
from meetings.models import ZoomSettings
from tenants.accounts.models import Role, User
from tenants.models import Organisation
from tenants.school.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_demo_seed_matches_the_documented_contract(worlds):
    # when: run twice, it is idempotent
    call_command("seed_demo")
    call_command("seed_demo")

    with schema_context("demo"):
        roles = dict(User.objects.values_list("email", "role"))
        assert roles["admin@demo.test"] == Role.ADMIN
        assert roles["teacher1@demo.test"] == roles["teacher2@demo.test"] == Role.TEACHER
        assert [e for e, r in roles.items() if r == Role.STUDENT] == [
            f"student{i:02d}@demo.test" for i in range(1, 21)
        ]
        assert roles["parent01@demo.test"] == Role.PARENT
        assert User.objects.get(email="student07@demo.test").check_password("liveroll-demo")
        demo_class = SchoolClass.objects.get(name="Demo class")
        assert [t.email for t in demo_class.teachers.all()] == ["teacher1@demo.test"]
        assert demo_class.students.count() == 20
        parent = User.objects.get(email="parent01@demo.test")
        assert [link.student.email for link in parent.child_links.all()] == ["student01@demo.test"]
        zoom = ZoomSettings.objects.get()
        assert zoom.webhook_secret_token == "demo-webhook-secret"
        assert zoom.api_base_url == "http://127.0.0.1:8765/v2"
        # the demo's students and parents see its recordings, transcripts and summaries
        recordings = recording_settings()
        assert recordings.students_may_view and recordings.parents_may_view
    # seeding again keeps a summariser an admin set up
    with schema_context("demo"):
        RecordingSettings.objects.update(summary_endpoint="https://llm.test/v1", summary_model="m")
    call_command("seed_demo")
    with schema_context("demo"):
        assert recording_settings().summary_endpoint == "https://llm.test/v1"
    # its admin's email counts as confirmed: the demo school reaches the sandbox's Zoom
    assert Organisation.objects.get(slug="demo").admin_email_confirmed_at is not None


def test_demo_seed_is_refused_outside_development(worlds, settings):
    from django.core.management import CommandError

    settings.LIVEROLL_DEMO_SEED = False
    with pytest.raises(CommandError, match="development only"):
        call_command("seed_demo")
