"""The personal join link: derived, bound to the school, the meeting and the subject."""

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from meetings.joining.links import (
    JoinToken,
    join_token_make,
    join_token_read,
    join_url_for,
)
from tenants.services import tenant_url

pytestmark = pytest.mark.django_db


def test_a_token_reads_back_as_what_it_names(alpha, class_meeting):
    with schema_context(alpha.schema):
        token = join_token_make(meeting_id=class_meeting.pk, kind="u", subject_id=42)
        assert join_token_read(token) == JoinToken(
            meeting_id=class_meeting.pk, kind="u", subject_id=42
        )
        # reproducible: the same link each time, no row needed
        assert join_token_make(meeting_id=class_meeting.pk, kind="u", subject_id=42) == token


def test_guest_tokens_are_in_the_format_too(alpha):
    with schema_context(alpha.schema):
        token = join_token_make(meeting_id=5, kind="g", subject_id=9)
        assert token.startswith("5.g9.")
        assert join_token_read(token) == JoinToken(meeting_id=5, kind="g", subject_id=9)


def test_an_altered_token_is_not_read(alpha):
    with schema_context(alpha.schema):
        token = join_token_make(meeting_id=5, kind="u", subject_id=9)
        meeting, subject, mac = token.split(".")
        flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
        for forged in (
            f"6.{subject}.{mac}",  # another meeting
            f"{meeting}.u10.{mac}",  # another person
            f"{meeting}.g9.{mac}",  # another kind
            f"{meeting}.{subject}.{flipped}",  # another mac
            token + "x",
            token[:-1],
            "",
            "garbage",
            "1" * 40 + ".u1." + mac,  # an id beyond any column
        ):
            assert join_token_read(forged) is None, forged


def test_another_schools_token_is_not_read_here(alpha, beta):
    with schema_context(beta.schema):
        betas = join_token_make(meeting_id=5, kind="u", subject_id=9)
    with schema_context(alpha.schema):
        assert join_token_read(betas) is None
        assert join_token_make(meeting_id=5, kind="u", subject_id=9) != betas


def test_tokens_made_under_a_retired_secret_still_read_during_a_rotation(alpha):
    with schema_context(alpha.schema):
        with override_settings(SECRET_KEY="old-secret"):
            old = join_token_make(meeting_id=5, kind="u", subject_id=9)
        with override_settings(SECRET_KEY="new-secret", SECRET_KEY_FALLBACKS=["old-secret"]):
            assert join_token_read(old) is not None
        with override_settings(SECRET_KEY="new-secret", SECRET_KEY_FALLBACKS=[]):
            assert join_token_read(old) is None


def test_join_url_is_absolute_on_the_schools_host(alpha, class_meeting):
    student = alpha.users["student"]
    with schema_context(alpha.schema):
        url = join_url_for(meeting=class_meeting, user=student)
    assert url.startswith(tenant_url(alpha.org.slug, "/join/"))
    token = url.split("/join/")[1].rstrip("/")
    assert url.endswith(f"/join/{token}/")
    with schema_context(alpha.schema):
        assert join_token_read(token) == JoinToken(class_meeting.pk, "u", student.pk)
