"""Reading and checking a CSV file of people, the dry run and the import's run: every error
with its line and column, nothing written by a dry run, and the same file twice changing
nothing."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, User
from tenants.people_import import selectors
from tenants.people_import.models import PeopleImport
from tenants.people_import.services import people_import_dry_run, people_import_run
from tenants.school.models import Enrolment, ParentLink, SchoolClass

pytestmark = pytest.mark.django_db

HEADER = "email,name,role,classes,parent_emails\n"


def _plan(world, text):
    with schema_context(world.schema):
        return people_import_dry_run(csv_text=text)


def _errors(plan):
    return [(e.line, e.column, e.message) for e in plan.errors]


def _run(world, text, *, admin=True):
    with schema_context(world.schema):
        job = PeopleImport.objects.create(
            csv_text=text, created_by=world.users["admin"] if admin else None
        )
        return people_import_run(import_id=job.pk)


def _snapshot(world):
    with schema_context(world.schema):
        return (
            sorted(User.objects.values_list("email", "name", "role")),
            sorted(Enrolment.objects.values_list("school_class_id", "student_id")),
            sorted(ParentLink.objects.values_list("parent_id", "student_id")),
            sorted(SchoolClass.teachers.through.objects.values_list("schoolclass_id", "user_id")),
        )


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(alpha):
    maths = alpha.school_class.name
    text = (
        HEADER
        + f"new.teacher@alpha.test,New Teacher,teacher,{maths},\n"
        + f"kid@alpha.test,Kid,student,{maths},mum@alpha.test;parent@alpha.test\n"
        + "mum@alpha.test,Mum,parent,,\n"
        + f"student@alpha.test,alpha student,student,{maths},\n"
        + "parent@alpha.test,Renamed Parent,parent,,\n"
        + "bad-email,X,student,,\n"
    )
    before = _snapshot(alpha)

    plan = _plan(alpha, text)

    assert _snapshot(alpha) == before
    assert plan.total == 6
    assert (plan.count("create"), plan.count("update"), plan.count("unchanged")) == (3, 1, 1)
    assert plan.rejected == 1
    assert _errors(plan) == [(7, "email", "“bad-email” is not a valid email address.")]


def test_every_row_error_names_its_line_and_column(alpha):
    maths = alpha.school_class.name
    text = (
        HEADER
        + "a@alpha.test,A,student,,\n"
        + "A@alpha.test,A again,student,,\n"  # duplicate (emails are case-insensitive)
        + "b@alpha.test,B,pilot,,\n"
        + "c@alpha.test,C,student,Astronomy,\n"
        + "d@alpha.test,D,student,,nobody@alpha.test\n"
        + "teacher@alpha.test,T,student,,\n"  # role conflict with an existing teacher
        + "e@alpha.test,"
        + "x" * 201
        + ",student,,\n"
        + f"f@alpha.test,F,parent,{maths},\n"
        + "g@alpha.test,G,teacher,,parent@alpha.test\n"
        + "h@alpha.test,H,student,,teacher@alpha.test\n"
        + "i@alpha.test,I,admin,,\n"
    )

    plan = _plan(alpha, text)

    assert plan.rejected == 10 and [p.email for p in plan.people] == ["a@alpha.test"]
    assert _errors(plan) == [
        (3, "email", "a@alpha.test is already on line 2: one row per person."),
        (4, "role", "Unknown role “pilot”: teacher, student or parent."),
        (5, "classes", "No class is named “Astronomy” in this school."),
        (
            6,
            "parent_emails",
            "The parent nobody@alpha.test is neither a row of this file nor in the school.",
        ),
        (
            7,
            "role",
            "teacher@alpha.test is already a teacher in this school; an import does not change anyone's role.",
        ),
        (8, "name", "At most 200 characters (201 given)."),
        (9, "classes", "Parents are not in classes: leave this empty (their children are)."),
        (10, "parent_emails", "Only students have parents: leave this empty."),
        (11, "parent_emails", "teacher@alpha.test is a teacher, not a parent."),
        (12, "role", "Unknown role “admin”: teacher, student or parent (admins are not imported)."),
    ]


def test_semicolons_a_bom_and_quoted_lines_are_read(alpha):
    maths = alpha.school_class.name
    text = (
        "\ufeffEmail;Name;Role;Classes\r\n"
        f'"x@alpha.test";"Two\nLines";student;"{maths}"\r\n'
        "y@alpha.test;Y;nobody;\r\n"
    )

    plan = _plan(alpha, text)

    [person] = plan.people
    assert person.email == "x@alpha.test" and person.name == "Two\nLines"
    assert person.class_ids == (alpha.school_class.pk,)
    assert _errors(plan) == [(4, "role", "Unknown role “nobody”: teacher, student or parent.")]


def test_a_bad_header_and_too_many_rows_reject_the_file(alpha, monkeypatch):
    assert _errors(_plan(alpha, "mail,role\nx@alpha.test,student\n")) == [
        (
            1,
            None,
            "The header row must name the columns email, name, role, classes, parent_emails: "
            "missing email; unknown 'mail'.",
        )
    ]
    monkeypatch.setattr(selectors, "MAX_ROWS", 2)
    plan = _plan(alpha, HEADER + "".join(f"s{n}@alpha.test,S,student,,\n" for n in range(3)))
    assert plan.people == [] and _errors(plan) == [
        (None, None, "The file has 3 rows: at most 2 at a time.")
    ]


def test_the_import_creates_links_and_the_same_file_again_changes_nothing(alpha):
    maths = alpha.school_class.name
    text = (
        HEADER
        + f"kid1@alpha.test,Kid One,student,{maths},mum@alpha.test\n"
        + f"kid2@alpha.test,Kid Two,student,{maths},mum@alpha.test;parent@alpha.test\n"
        + "mum@alpha.test,Mum,parent,,\n"
        + f"t2@alpha.test,Teacher Two,teacher,{maths},\n"
        + "oops,x,student,,\n"
    )

    first = _run(alpha, text)
    after_first = _snapshot(alpha)
    second = _run(alpha, text)

    assert first.status == "done" and second.status == "done"
    assert (first.created, first.updated, first.unchanged, first.rejected) == (4, 0, 0, 1)
    assert first.processed == first.total == 5 and first.error_count == 1
    assert first.errors == [
        {"line": 6, "column": "email", "message": "“oops” is not a valid email address."}
    ]
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 4, 1)
    assert _snapshot(alpha) == after_first
    with schema_context(alpha.schema):
        kid2 = User.objects.get(email="kid2@alpha.test")
        assert kid2.role == Role.STUDENT and not kid2.has_usable_password()
        assert set(kid2.parent_links.values_list("parent__email", flat=True)) == {
            "mum@alpha.test",
            "parent@alpha.test",
        }
        assert alpha.school_class.students.filter(email__startswith="kid").count() == 2
        assert alpha.school_class.teachers.filter(email="t2@alpha.test").exists()


def test_an_existing_person_is_updated_not_doubled(alpha):
    with schema_context(alpha.schema):
        other = SchoolClass.objects.create(name="Alpha physics")
    maths = alpha.school_class.name
    text = HEADER + f"student@alpha.test,New Name,student,{maths};Alpha physics,\n"

    job = _run(alpha, text)

    assert (job.created, job.updated, job.unchanged) == (0, 1, 0)
    with schema_context(alpha.schema):
        student = User.objects.get(email="student@alpha.test")
        assert student.name == "New Name"
        assert User.objects.filter(email="student@alpha.test").count() == 1
        assert sorted(student.classes_enrolled.values_list("pk", flat=True)) == sorted(
            [alpha.school_class.pk, other.pk]
        )
        assert Enrolment.objects.filter(student=student).count() == 2


def test_a_job_already_taken_is_not_run_twice(alpha):
    with schema_context(alpha.schema):
        job = PeopleImport.objects.create(
            csv_text=HEADER + "z@alpha.test,Z,student,,\n", status=PeopleImport.Status.DONE
        )
        people_import_run(import_id=job.pk)
        assert not User.objects.filter(email="z@alpha.test").exists()


def test_the_import_runs_in_its_own_school_only(alpha, beta):
    job = _run(alpha, HEADER + "only.alpha@alpha.test,A,student,,\n")

    assert job.created == 1
    with schema_context(beta.schema):
        assert not User.objects.filter(email="only.alpha@alpha.test").exists()
        assert not PeopleImport.objects.filter(pk=job.pk, csv_text__contains="only.alpha").exists()


def test_invitations_go_to_the_people_created_and_only_once(alpha):
    from tenants.accounts.models import Invitation
    from tenants.mail.models import OutboundMail

    maths = alpha.school_class.name
    text = (
        HEADER
        + f"inv.kid@alpha.test,Kid,student,{maths},inv.mum@alpha.test\n"
        + "inv.mum@alpha.test,Mum,parent,,\n"
        + "student@alpha.test,alpha student,student,,\n"  # exists: not invited
    )

    with schema_context(alpha.schema):
        job = PeopleImport.objects.create(
            csv_text=text, created_by=alpha.users["admin"], send_invitations=True
        )
        first = people_import_run(import_id=job.pk)
        again = PeopleImport.objects.create(
            csv_text=text, created_by=alpha.users["admin"], send_invitations=True
        )
        second = people_import_run(import_id=again.pk)

        invitations = Invitation.objects.filter(user__email__startswith="inv.")
        mails = OutboundMail.objects.filter(template="invitation")
        assert (first.created, first.invited, second.created, second.invited) == (2, 2, 0, 0)
        assert sorted(invitations.values_list("user__email", flat=True)) == [
            "inv.kid@alpha.test",
            "inv.mum@alpha.test",
        ]
        assert sorted(mails.values_list("to", flat=True)) == [
            "inv.kid@alpha.test",
            "inv.mum@alpha.test",
        ]
        kid = User.objects.get(email="inv.kid@alpha.test")
        assert not kid.is_active and kid.classes_enrolled.filter(pk=alpha.school_class.pk).exists()


def test_people_imported_without_invitations_are_pending_and_can_be_invited_later(alpha):
    from tenants.accounts.invitations import person_invite

    job = _run(alpha, HEADER + "later@alpha.test,Later,teacher,,\n")

    with schema_context(alpha.schema):
        person = User.objects.get(email="later@alpha.test")
        invitation = person_invite(
            email="later@alpha.test", name="Later", role=Role.TEACHER, by=alpha.users["admin"]
        )
        assert job.invited == 0 and not person.is_active and not person.has_usable_password()
        assert invitation.user_id == person.pk


def test_the_sample_file_of_the_readme_imports_cleanly(alpha):
    from pathlib import Path

    sample = (Path(__file__).resolve().parents[3] / "docs" / "people-sample.csv").read_text()
    with schema_context(alpha.schema):
        SchoolClass.objects.create(name="Demo class")

    plan = _plan(alpha, sample)

    assert plan.errors == [] and plan.count("create") == plan.total == 5


def test_a_doubled_quote_is_a_quote_and_a_rejected_parent_row_is_named(alpha):
    text = (
        "email;name;role;parent_emails\n"
        'q@alpha.test;"Ayesha ""Ashi"" Khan";student;\n'
        "bad.mum@alpha.test;Mum;parent;teacher@alpha.test\n"
        "kid.q@alpha.test;Kid;student;bad.mum@alpha.test\n"
    )

    plan = _plan(alpha, text)

    assert [p.name for p in plan.people] == ['Ayesha "Ashi" Khan']
    assert _errors(plan) == [
        (3, "parent_emails", "Only students have parents: leave this empty."),
        (
            4,
            "parent_emails",
            "The parent bad.mum@alpha.test is on line 3, which is rejected: correct that row first.",
        ),
    ]
