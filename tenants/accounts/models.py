"""Users log in by email. In the public schema they are platform operators; in a tenant schema
they are that school's people, each with one role."""

from typing import ClassVar
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.fields import EncryptedTextField


class Role(models.IntegerChoices):
    # Codes 0/1/2 are the stored codes of the school seed; parent sits beside them.
    STUDENT = 0, _("Student")
    TEACHER = 1, _("Teacher")
    ADMIN = 2, _("Admin")
    PARENT = 3, _("Parent")


class Language(models.TextChoices):
    # The languages mails, pages and the app are written in (settings.LANGUAGES; the catalogues
    # in locale/ and frontend/src/locales/). Each name is written in its own language.
    ENGLISH = "en", "English"
    BENGALI = "bn", "বাংলা"


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, sorted, for pickers (the sign-up form)."""
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def timezone_validate(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone (e.g. Asia/Dhaka).") % {"value": value},
            code="invalid",
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log in to this site's admin (tenant admins and operators)."
    )
    date_joined = models.DateTimeField(auto_now_add=True)
    # What this person reads mails, pages and the app in; "" until they choose: pages then follow
    # their browser, mails the school's default (tenants.selectors.person_language).
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default="",
        blank=True,
        help_text="Empty: the browser's language on pages, the school's default in mails.",
    )
    # "" until the person chooses: times are then shown in the school's default zone
    # (Organisation.timezone; tenants.selectors.person_timezone).
    timezone = models.CharField(
        max_length=64,
        default="",
        blank=True,
        validators=[timezone_validate],
        help_text="An IANA time zone name, e.g. Asia/Dhaka; empty: the school's default zone.",
    )

    # Deleting a person (tenants.lifecycle): deactivated at once, anonymised by a periodic job
    # within 24 hours; the row stays so that their attendance still counts.
    deleted_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_school_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    # Tenant admins manage everything in their own school's admin; the schema is the boundary.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_school_admin and self.is_staff or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_school_admin and self.is_staff or super().has_module_perms(app_label)


class ApiToken(models.Model):
    """A bearer token for API clients (`Authorization: Bearer lr_…`). Only its hash is
    stored; the token itself is shown once, when made. It works until it expires, is revoked,
    or its owner's password changes (`password_fingerprint` no longer matches) or they are
    deactivated."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # A keyed hash of the owner's password hash when the token was made: a new password (any
    # way it is set: the admin, a command, a reset) changes it, and the token stops working.
    password_fingerprint = models.CharField(max_length=64)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(models.Model):
    """An invitation to a person of the school (made inactive, without a password, until they
    accept). Only the hash of the link's token is stored; a resend puts a new hash in place, so
    the link before it stops working. Pending: neither accepted, revoked nor expired."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.PositiveSmallIntegerField(choices=Role.choices)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Mails sent for it (0: made without a mail, e.g. by an import that sends none).
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation of {self.user.email}"


class TwoFactor(models.Model):
    """A person's authenticator app (TOTP, RFC 6238). Unconfirmed until they enter a first code
    from it; only a confirmed one is asked for at sign-in. The secret is sealed at rest."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last code accepted: a code (or an older one) is never taken twice.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"two-factor of {self.user}"


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator is lost; only a keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user}"
