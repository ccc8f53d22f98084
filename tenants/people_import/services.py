"""Importing people from a CSV file: a dry run answers at once; the import itself is a job
(`PeopleImport`) that a worker runs in batches of set-based statements. Running the same file
again changes nothing: people are found by email, links are added only when missing, and
nothing is ever removed or given another role."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenants.accounts.invitations import AlreadyMember, person_invite
from tenants.accounts.models import Role, User
from tenants.accounts.services import users_create_many
from tenants.audit.services import audit_record
from tenants.people_import.models import PeopleImport
from tenants.people_import.selectors import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    PlannedPerson,
    RowError,
    file_size_problem,
    people_import_plan,
)
from tenants.school.services import (
    RoleMismatch,
    class_teachers_add,
    enrolments_add,
    parent_links_add,
)

logger = logging.getLogger(__name__)

BATCH = 500
# A job keeps this many errors for the app to show (error_count has the number of all).
MAX_STORED_ERRORS = 500


def _invite(created: list[PlannedPerson], by: User | None) -> tuple[int, list[RowError]]:
    """Send the invitations of the people a batch created (they are pending already: classes
    and links are made by the batch). A refusal is that row's error, not the import's end."""
    invited, errors = 0, []
    for person in created:
        try:
            with transaction.atomic():
                person_invite(
                    email=person.email, name=person.name, role=Role(person.role), by=by, send=True
                )
            invited += 1
        except (ValidationError, RoleMismatch, AlreadyMember) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            logger.warning("people import: no invitation for line %s: %s", person.line, message)
            errors.append(RowError(person.line, "email", f"No invitation sent: {message}"))
    return invited, errors


def people_import_dry_run(*, csv_text: str) -> ImportPlan:
    """What the import would do, and every error; nothing is written."""
    return people_import_plan(csv_text=csv_text)


def people_import_queue(
    *,
    csv_text: str,
    by: User,
    send_invitations: bool = False,
    ip: str | None = None,
) -> PeopleImport:
    """Store the file as a job and hand it to a worker (after the commit)."""
    from tenants.people_import.actors import people_import_run_job

    problem = file_size_problem(csv_text)
    if problem is not None:
        raise ValidationError({"csv": ValidationError(problem, code="too_long")})
    if not csv_text.strip():
        raise ValidationError({"csv": ValidationError("The file is empty.", code="required")})
    if "\x00" in csv_text:
        problem = "The file contains a NUL character: is it a CSV file?"
        raise ValidationError({"csv": ValidationError(problem, code="nul_character")})
    with transaction.atomic():
        job = PeopleImport.objects.create(
            csv_text=csv_text, send_invitations=send_invitations, created_by=by
        )
        audit_record(
            actor=by,
            action="people.import_queued",
            target=job,
            ip=ip,
            details={"chars": len(csv_text), "send_invitations": send_invitations},
        )
        transaction.on_commit(lambda: people_import_run_job.send(job.pk))
    return job


def _apply(batch: list[PlannedPerson]) -> None:
    """Write one batch: new people in one statement, renames, then missing links (each kind in
    one statement, ON CONFLICT DO NOTHING)."""
    users_create_many(people=[(p.email, p.name, Role(p.role)) for p in batch if p.action == CREATE])
    emails = {p.email for p in batch} | {e for p in batch for e in p.parent_emails}
    users = {u.email: u for u in User.objects.filter(email__in=emails).only("id", "email", "name")}
    renamed = []
    for person in batch:
        user = users[person.email]
        if person.name and user.name != person.name:
            user.name = person.name
            renamed.append(user)
    User.objects.bulk_update(renamed, ["name"])
    teaching, enrolled, parents = [], [], []
    for person in batch:
        pk = users[person.email].pk
        pairs = [(c, pk) for c in person.class_ids]
        if person.role == Role.TEACHER:
            teaching += pairs
        elif person.role == Role.STUDENT:
            enrolled += pairs
            parents += [(users[e].pk, pk) for e in person.parent_emails]
    if teaching:
        class_teachers_add(pairs=teaching)
    if enrolled:
        enrolments_add(pairs=enrolled)
    if parents:
        parent_links_add(pairs=parents)


def people_import_run(*, import_id: int) -> PeopleImport | None:
    """Run a queued import (the worker). A job already taken (running, done, failed) is left
    alone, so a message delivered twice runs it once. The file is checked again here: the
    school may have changed since the dry run."""
    taken = PeopleImport.objects.filter(pk=import_id, status=PeopleImport.Status.QUEUED).update(
        status=PeopleImport.Status.RUNNING, started_at=timezone.now()
    )
    job = PeopleImport.objects.filter(pk=import_id).select_related("created_by").first()
    if not taken or job is None:
        logger.info("people import %s: not queued (already taken or gone), skipped", import_id)
        return job
    try:
        plan = people_import_plan(csv_text=job.csv_text)
        PeopleImport.objects.filter(pk=job.pk).update(
            total=plan.total,
            processed=plan.total - plan.count(CREATE) - plan.count(UPDATE),
            rejected=plan.rejected,
            unchanged=plan.count(UNCHANGED),
            errors=[e.as_dict() for e in plan.errors[:MAX_STORED_ERRORS]],
            error_count=len(plan.errors),
        )
        to_write = plan.in_apply_order()
        invited = 0
        invite_errors: list[RowError] = []
        for start in range(0, len(to_write), BATCH):
            batch = to_write[start : start + BATCH]
            with transaction.atomic():
                _apply(batch)
                created = [p for p in batch if p.action == CREATE]
                if job.send_invitations and created:
                    sent, refused = _invite(created, job.created_by)
                    invited += sent
                    invite_errors += refused
                PeopleImport.objects.filter(pk=job.pk).update(
                    processed=F("processed") + len(batch),
                    created=F("created") + len(created),
                    updated=F("updated") + sum(1 for p in batch if p.action == UPDATE),
                    invited=invited,
                )
    except Exception as exc:
        logger.exception("people import %s failed", import_id)
        PeopleImport.objects.filter(pk=import_id).update(
            status=PeopleImport.Status.FAILED,
            failure=f"The import stopped ({type(exc).__name__}); what was written stays, and "
            "running the same file again finishes it.",
            finished_at=timezone.now(),
        )
        return PeopleImport.objects.filter(pk=import_id).first()
    errors = [e.as_dict() for e in plan.errors] + [e.as_dict() for e in invite_errors]
    PeopleImport.objects.filter(pk=job.pk).update(
        status=PeopleImport.Status.DONE,
        finished_at=timezone.now(),
        errors=errors[:MAX_STORED_ERRORS],
        error_count=len(errors),
    )
    job.refresh_from_db()
    audit_record(
        actor=job.created_by,
        action="people.imported",
        target=job,
        details={
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "rejected": job.rejected,
            "invited": job.invited,
        },
    )
    return job
