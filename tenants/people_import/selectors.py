"""Reading a CSV file of people and checking it against the school: what each row would do
(create, update, leave unchanged) or why it is rejected. Nothing here writes.

Columns (header row required, any order, names case-insensitive):
  email (required), name, role (teacher / student / parent; required),
  classes (class names separated by ";"; taught by a teacher, attended by a student),
  parent_emails (students only: their parents' emails separated by ";"; each parent is a parent
  row of the same file or a parent already in the school).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tenants.accounts.models import Role, User
from tenants.people_import.models import PeopleImport
from tenants.school.models import Enrolment, ParentLink, SchoolClass
from tenants.text import max_length_of, text_problem

# 10,000 rows must work; twice that is still one worker's easy minute.
MAX_ROWS = 20_000
# In UTF-8 bytes: a request carrying the largest file stays within Django's request body limit
# (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB); 16,100 rows of a school's people are about 1 MB.
MAX_BYTES = 2_000_000
COLUMNS = ("email", "name", "role", "classes", "parent_emails")
REQUIRED = ("email", "role")
ROLES = {"teacher": Role.TEACHER, "student": Role.STUDENT, "parent": Role.PARENT}
SEPARATOR = ";"
# Lookups of existing people and links go this many at a time.
CHUNK = 1000

T = TypeVar("T")

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int | None  # the file's line where the row starts (1 is the header); None: the file
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(slots=True)
class PlannedPerson:
    line: int
    email: str
    name: str
    role: Role
    class_ids: tuple[int, ...]
    parent_emails: tuple[str, ...]
    action: str = CREATE


@dataclass
class ImportPlan:
    total: int = 0
    people: list[PlannedPerson] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for p in self.people if p.action == action)

    @property
    def rejected(self) -> int:
        return len(self.rejected_lines)

    def reject(self, line: int | None, column: str | None, message: str) -> None:
        self.errors.append(RowError(line, column, message))
        if line is not None:
            self.rejected_lines.add(line)

    def in_apply_order(self) -> list[PlannedPerson]:
        """Parents before students (students link to them), each kind in file order."""
        order = {Role.PARENT: 0, Role.TEACHER: 1, Role.STUDENT: 2}
        return sorted(
            (p for p in self.people if p.action != UNCHANGED),
            key=lambda p: (order[Role(p.role)], p.line),
        )


def file_size_problem(csv_text: str) -> str | None:
    if len(csv_text) > MAX_BYTES or len(csv_text.encode()) > MAX_BYTES:
        return f"The file is too large: at most {MAX_BYTES:,} bytes."
    return None


def _delimiter(header_line: str) -> str:
    """Comma or semicolon, from the header (inside rows ";" also separates class names). Only
    the delimiter is taken from the sniffer: the rest stays Excel's (a doubled quote is a quote)."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;").delimiter
    except csv.Error:
        return ","


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(starting line, cells) of every row; quoted cells may span lines."""
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
    previous_end = 0
    for cells in reader:
        yield previous_end + 1, cells
        previous_end = reader.line_num


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _chunks(values: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _existing_people(emails: Iterable[str]) -> dict[str, tuple[int, str, int]]:
    """email → (id, name, role) of the people of the school among `emails`."""
    found: dict[str, tuple[int, str, int]] = {}
    for chunk in _chunks(sorted(set(emails))):
        for pk, email, name, role in User.objects.filter(email__in=chunk).values_list(
            "id", "email", "name", "role"
        ):
            found[email] = (pk, name, role)
    return found


def _links(ids_by_role: dict[int, list[int]]) -> set[tuple[str, int, int]]:
    """The school's existing links of these people: ("teaches" | "enrolled", class id,
    person id) and ("parent", parent id, student id)."""
    links: set[tuple[str, int, int]] = set()
    through = SchoolClass.teachers.through
    for chunk in _chunks(ids_by_role.get(Role.TEACHER, [])):
        for c, t in through.objects.filter(user_id__in=chunk).values_list(
            "schoolclass_id", "user_id"
        ):
            links.add(("teaches", c, t))
    for chunk in _chunks(ids_by_role.get(Role.STUDENT, [])):
        for c, s in Enrolment.objects.filter(student_id__in=chunk).values_list(
            "school_class_id", "student_id"
        ):
            links.add(("enrolled", c, s))
        for p, s in ParentLink.objects.filter(student_id__in=chunk).values_list(
            "parent_id", "student_id"
        ):
            links.add(("parent", p, s))
    return links


def _collector(problems: list[tuple[str, str]]) -> Callable[[str, str], None]:
    def error(column: str, message: str) -> None:
        problems.append((column, message))

    return error


def people_import_plan(*, csv_text: str) -> ImportPlan:
    """What importing `csv_text` into the current school would do, row by row."""
    plan = ImportPlan()
    too_large = file_size_problem(csv_text)
    if too_large is not None:
        plan.reject(None, None, too_large)
        return plan
    if "\x00" in csv_text:
        plan.reject(None, None, "The file contains a NUL character: is it a CSV file?")
        return plan
    try:
        rows = list(_rows(csv_text))
    except csv.Error as exc:
        plan.reject(None, None, f"The file cannot be read as CSV: {exc}.")
        return plan
    rows = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not rows:
        plan.reject(
            None, None, "The file is empty: a header row is needed (" + ",".join(COLUMNS) + ")."
        )
        return plan
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing or len(set(names)) != len(names):
        header_problems = []
        if missing:
            header_problems.append("missing " + ", ".join(missing))
        if unknown:
            header_problems.append("unknown " + ", ".join(repr(n) for n in unknown))
        if len(set(names)) != len(names):
            header_problems.append("a column named twice")
        plan.reject(
            header_line,
            None,
            "The header row must name the columns "
            + ", ".join(COLUMNS)
            + ": "
            + "; ".join(header_problems)
            + ".",
        )
        return plan
    data = rows[1:]
    plan.total = len(data)
    if len(data) > MAX_ROWS:
        plan.reject(None, None, f"The file has {len(data):,} rows: at most {MAX_ROWS:,} at a time.")
        return plan

    email_max = max_length_of(User, "email")
    name_max = max_length_of(User, "name")
    class_max = max_length_of(SchoolClass, "name")
    classes: dict[str, list[int]] = {}
    for pk, name in SchoolClass.objects.values_list("id", "name"):
        classes.setdefault(name.strip().casefold(), []).append(pk)

    seen: dict[str, int] = {}
    candidates: list[PlannedPerson] = []
    for line, cells in data:
        if len(cells) > len(names):
            plan.reject(
                line, None, f"The row has {len(cells)} cells; the header names {len(names)}."
            )
            continue
        values = dict(zip(names, [c.strip() for c in cells], strict=False))
        problems: list[tuple[str, str]] = []
        error = _collector(problems)
        email = values.get("email", "").lower()
        name = values.get("name", "")
        for column, value, limit in (("email", email, email_max), ("name", name, name_max)):
            problem = text_problem(value, max_length=limit)
            if problem is not None:
                error(column, problem.messages[0])
        if not email:
            error("email", "An email address is required.")
        elif len(email) <= email_max:
            try:
                validate_email(email)
            except ValidationError:
                error("email", f"“{email}” is not a valid email address.")
        if email and email in seen:
            error("email", f"{email} is already on line {seen[email]}: one row per person.")
        elif email:
            seen[email] = line
        role_text = values.get("role", "").lower()
        role = ROLES.get(role_text)
        if role is None:
            error(
                "role",
                f"Unknown role “{values.get('role', '')}”: teacher, student or parent"
                + (" (admins are not imported)." if role_text == "admin" else "."),
            )
        class_ids: list[int] = []
        class_names = _split(values.get("classes", ""))
        if class_names and role == Role.PARENT:
            error("classes", "Parents are not in classes: leave this empty (their children are).")
        for class_name in class_names:
            if len(class_name) > class_max:
                error("classes", f"A class name has at most {class_max} characters.")
                continue
            matches = classes.get(class_name.casefold(), [])
            if not matches:
                error("classes", f"No class is named “{class_name}” in this school.")
            elif len(matches) > 1:
                error("classes", f"Several classes are named “{class_name}”: rename one first.")
            elif matches[0] not in class_ids:
                class_ids.append(matches[0])
        parent_emails = [p.lower() for p in _split(values.get("parent_emails", ""))]
        if parent_emails and role != Role.STUDENT:
            error("parent_emails", "Only students have parents: leave this empty.")
        for parent_email in parent_emails:
            if parent_email == email:
                error("parent_emails", "A student cannot be their own parent.")
        for column, message in problems:
            plan.reject(line, column, message)
        if not problems and role is not None:
            candidates.append(
                PlannedPerson(
                    line=line,
                    email=email,
                    name=name,
                    role=role,
                    class_ids=tuple(class_ids),
                    parent_emails=tuple(dict.fromkeys(parent_emails)),
                )
            )

    referenced = {e for p in candidates for e in p.parent_emails}
    existing = _existing_people([p.email for p in candidates] + list(referenced))
    valid: list[PlannedPerson] = []
    for person in candidates:
        current = existing.get(person.email)
        if current is not None and current[2] != person.role:
            plan.reject(
                person.line,
                "role",
                f"{person.email} is already a {Role(current[2]).label.lower()} in this school; "
                "an import does not change anyone's role.",
            )
            continue
        valid.append(person)
    parents_in_file = {p.email for p in valid if p.role == Role.PARENT}
    roles_in_file = {p.email: p.role for p in valid}
    people: list[PlannedPerson] = []
    for person in valid:
        parent_problems = []
        for parent_email in person.parent_emails:
            if parent_email in parents_in_file:
                continue
            if parent_email in roles_in_file:
                parent_problems.append(f"{parent_email} is not a parent in this file.")
                continue
            if parent_email in seen and parent_email not in existing:
                parent_problems.append(
                    f"The parent {parent_email} is on line {seen[parent_email]}, which is "
                    "rejected: correct that row first."
                )
                continue
            current = existing.get(parent_email)
            if current is None:
                parent_problems.append(
                    f"The parent {parent_email} is neither a row of this file nor in the school."
                )
            elif current[2] != Role.PARENT:
                parent_problems.append(
                    f"{parent_email} is a {Role(current[2]).label.lower()}, not a parent."
                )
        if parent_problems:
            for message in parent_problems:
                plan.reject(person.line, "parent_emails", message)
            continue
        people.append(person)

    ids_by_role: dict[int, list[int]] = {}
    for person in people:
        current = existing.get(person.email)
        if current is not None:
            ids_by_role.setdefault(person.role, []).append(current[0])
    links = _links(ids_by_role)
    for person in people:
        current = existing.get(person.email)
        if current is None:
            continue
        pk, name, _ = current
        kind = "teaches" if person.role == Role.TEACHER else "enrolled"
        missing_links = any((kind, c, pk) not in links for c in person.class_ids) or any(
            parent not in existing or ("parent", existing[parent][0], pk) not in links
            for parent in person.parent_emails
        )
        renamed = bool(person.name) and person.name != name
        person.action = UPDATE if renamed or missing_links else UNCHANGED
    plan.people = people
    plan.errors.sort(key=lambda e: e.line or 0)
    return plan


def people_import_for(*, import_id: int) -> PeopleImport | None:
    """One import of this school (the schema is the boundary; admins only, checked by callers)."""
    return PeopleImport.objects.filter(pk=import_id).first()


def class_names(*, ids: Iterable[int]) -> dict[int, str]:
    """id → name of these classes of the school (a dry run's preview)."""
    return dict(SchoolClass.objects.filter(pk__in=list(ids)).values_list("id", "name"))
