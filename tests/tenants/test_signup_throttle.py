"""Unthrottled sign-up (issue 10): one client created ten schools (ten schemas) in four seconds."""

import pytest
from django.test import Client
from django_tenants.utils import schema_exists

from tenants.models import Organisation

from .test_onboarding import _signup

pytestmark = pytest.mark.django_db


def test_one_address_cannot_create_school_after_school(worlds, settings):
    # given: two schools an hour per address
    settings.LIVEROLL_SIGNUPS_PER_IP_PER_HOUR = 2
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.5")

    # when: the attack, one client signing up school after school
    answers = [_signup(client, slug=f"spam{n}", admin_email=f"a{n}@spam.test") for n in range(4)]

    # then: the third and later are refused with a clear answer, and make nothing
    assert [r.status_code for r in answers] == [302, 302, 429, 429]
    assert b"Too many schools were created from your address" in answers[2].content
    assert b"Try again in 60 minutes" in answers[2].content
    assert set(
        Organisation.objects.filter(slug__startswith="spam").values_list("slug", flat=True)
    ) == {
        "spam0",
        "spam1",
    }
    assert not schema_exists("spam2")
    # another address is not held up
    other = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7")
    assert _signup(other, slug="honest", admin_email="head@honest.test").status_code == 302


def test_forms_with_mistakes_do_not_count(worlds, settings):
    settings.LIVEROLL_SIGNUPS_PER_IP_PER_HOUR = 1
    client = Client(HTTP_HOST="localhost")
    for _ in range(3):
        assert _signup(client, password="123").status_code == 400
    assert _signup(client, slug="careful").status_code == 302
