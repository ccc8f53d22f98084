"""Organisations (tenants) and their host names. These tables live in the public schema only."""

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from tenants.accounts.models import Language, timezone_validate


class Organisation(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        # A migrated schema kept ready for the next sign-up (see services.spare_schema_claim).
        SPARE = "spare", "Spare schema"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    suspended_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When anyone first signed in to the school, written once by the sign-in backend. Kept here,
    # in the public schema, so that operators can list abandoned sign-ups without opening every
    # tenant's schema (each user's last_login lives in its school's own schema).
    first_signin_at = models.DateTimeField("first sign-in", null=True, blank=True)
    # When the school's admin confirmed their email address (tenants.confirmation); until then
    # the school cannot reach Zoom. Kept here, on the school, because the gate is the school's
    # and is read on every Zoom settings page without opening its schema; the public schema
    # also lets operators see unconfirmed sign-ups beside abandoned ones.
    admin_email_confirmed_at = models.DateTimeField("admin email confirmed", null=True, blank=True)
    # The school's admins must sign in with a second factor (tenants.accounts.twofactor).
    admins_require_two_factor = models.BooleanField(default=False)
    # The zone a person's times are shown in until they choose their own (User.timezone "").
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[timezone_validate],
        help_text="An IANA time zone name, e.g. Asia/Dhaka: the school's default for its people.",
    )
    # The language of people who chose none, where their browser says nothing we speak, and of
    # their mails (tenants.selectors.person_language).
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text="The school's default language for its pages and mails.",
    )

    # Schemas are made by services.organisation_onboard (clone or spare), never on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def admin_email_confirmed(self) -> bool:
        return self.admin_email_confirmed_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Domain(DomainMixin):
    pass
