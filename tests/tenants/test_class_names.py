"""A class's name is unique in its school ignoring case: checked for a clear error, enforced by
the database for a race, and existing look-alikes renamed when the rule arrives."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tenants.audit.models import AuditEntry
from tenants.school import services
from tenants.school.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_look_alike_name(alpha):
    with schema_context(alpha.schema):
        SchoolClass.objects.create(name="Physics 7")
        with pytest.raises(IntegrityError), transaction.atomic():
            SchoolClass.objects.create(name="PHYSICS 7")


def test_a_race_past_the_check_is_a_duplicate_error_and_leaves_nothing_half_made(
    alpha, monkeypatch
):
    # given: another admin's class of that name lands between the check and the insert
    with schema_context(alpha.schema):
        teacher = alpha.users["teacher"]
        SchoolClass.objects.create(name="Chemistry")
        monkeypatch.setattr(services, "class_name_check", lambda *, name, **_: name)
        audited = AuditEntry.objects.filter(action="class.created").count()

        # when
        with pytest.raises(ValidationError) as raised:
            services.class_create(name="chemistry", teachers=[teacher], actor=alpha.users["admin"])

        # then
        assert raised.value.error_dict["name"][0].code == "duplicate"
        assert SchoolClass.objects.filter(name__iexact="chemistry").count() == 1
        assert AuditEntry.objects.filter(action="class.created").count() == audited


def test_a_rename_onto_a_look_alike_is_a_duplicate_error(alpha, monkeypatch):
    with schema_context(alpha.schema):
        SchoolClass.objects.create(name="Biology")
        other = SchoolClass.objects.create(name="Botany")
        monkeypatch.setattr(services, "class_name_check", lambda *, name, **_: name)
        with pytest.raises(ValidationError):
            services.class_update(school_class=other, name="BIOLOGY", actor=alpha.users["admin"])
        other.refresh_from_db()
        assert other.name == "Botany"


def test_the_migration_renames_existing_look_alikes_oldest_first(alpha):
    migration = importlib.import_module("tenants.school.migrations.0002_class_name_unique")
    with schema_context(alpha.schema):
        with connection.cursor() as cursor:  # as a school was before the rule (rolled back)
            cursor.execute("DROP INDEX schoolclass_name_unique_ci")
        first = SchoolClass.objects.create(name="Art")
        second = SchoolClass.objects.create(name="ART")
        third = SchoolClass.objects.create(name="art")
        taken = SchoolClass.objects.create(name="Art (2)")

        migration.rename_duplicates(apps, None)

        names = [SchoolClass.objects.get(pk=c.pk).name for c in (first, second, third, taken)]
    assert names[0] == "Art" and names[3] == "Art (2)"
    assert sorted(names[1:3]) == ["ART (3)", "art (4)"]
    assert len({name.lower() for name in names}) == 4
