"""English and Bengali on the server: the catalogues are complete and compiled; a page is in the
signed-in person's language, else the browser's, else the school's; a mail is in its
recipient's language, else the school's."""

import shutil

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from devtools import messages
from tenants.accounts.models import User
from tenants.mail.models import OutboundMail
from tenants.mail.services import mail_queue
from tenants.models import Organisation

pytestmark = pytest.mark.django_db

BENGALI = range(0x0980, 0x0A00)
# What `make messages` leaves out (the Makefile's list).
MAKE_MESSAGES_IGNORE = [
    ".venv",
    ".data",
    "frontend",
    "tests",
    "bench",
    "devtools",
    "zoom_sandbox",
    "helm",
    "platform",
]


def bengali(text: str) -> bool:
    return any(ord(ch) in BENGALI for ch in text)


def _set_language(world, role, language):
    with schema_context(world.schema):
        User.objects.filter(pk=world.users[role].pk).update(language=language)


def test_every_catalogue_is_translated_and_its_mo_is_current():
    # given: every .po in locale/ (a new string, a fuzzy one or a stale .mo shows up here)
    found = {path.parent.parent.name: messages.problems(path) for path in messages.catalogues()}

    assert "bn" in found
    assert found == {language: [] for language in found}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="extracting needs GNU gettext")
def test_the_catalogue_holds_every_string_of_the_code(tmp_path, settings, monkeypatch):
    # given: a tree of links to the code and the templates, with a copy of locale/ (so that
    # extracting writes there, never into the repository)
    for entry in messages.ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in MAKE_MESSAGES_IGNORE + ["locale"]:
            continue
        (tmp_path / entry.name).symlink_to(entry)
    shutil.copytree(messages.LOCALE, tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    # when: extracted as `make messages` does
    call_command(
        "makemessages",
        locale=["bn"],
        symlinks=True,
        no_obsolete=True,
        no_location=True,
        ignore_patterns=list(MAKE_MESSAGES_IGNORE),
        verbosity=0,
    )

    # then: nothing new to translate (a string marked with an alias xgettext does not know,
    # like `_l`, is never extracted: use `_`, `gettext` or `gettext_lazy`)
    fresh = tmp_path / "locale" / "bn" / "LC_MESSAGES" / "django.po"
    assert [p for p in messages.problems(fresh) if "differs" not in p] == []


def test_a_stale_mo_is_found(tmp_path, monkeypatch):
    # given: a copy of the Bengali catalogue whose .po says something its .mo does not
    source = messages.LOCALE / "bn" / "LC_MESSAGES"
    target = tmp_path / "bn" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.mo").write_bytes((source / "django.mo").read_bytes())
    po = (source / "django.po").read_text()
    (target / "django.po").write_text(po.replace('msgstr "সাইন ইন"', 'msgstr "প্রবেশ"', 1))
    monkeypatch.setattr(messages, "LOCALE", tmp_path)
    monkeypatch.setattr(messages, "ROOT", tmp_path)

    # when
    found = messages.problems(target / "django.po")

    # then
    assert len(found) == 1 and "differs from the .po" in found[0]


def test_the_sign_in_page_follows_the_browser(alpha):
    english = Client(HTTP_HOST=alpha.host).get("/accounts/login/")
    page = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="bn-BD,bn;q=0.9,en;q=0.5").get(
        "/accounts/login/"
    )

    assert "Sign in to" in english.content.decode()
    text = page.content.decode()
    assert page["Content-Language"] == "bn"
    assert '<html lang="bn">' in text
    assert "সাইন ইন" in text and "পাসওয়ার্ড ভুলে গেছেন?" in text
    assert "Accept-Language" in page["Vary"]


def test_without_a_browser_language_the_school_default_applies(alpha):
    Organisation.objects.filter(pk=alpha.org.pk).update(language="bn")

    page = Client(HTTP_HOST=alpha.host).get("/accounts/password/reset/")

    assert bengali(page.content.decode())


def test_a_persons_own_language_beats_the_browser(alpha):
    _set_language(alpha, "student", "bn")
    _set_language(alpha, "teacher", "en")
    student, teacher = alpha.client("student"), alpha.client("teacher")
    student.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    teacher.defaults["HTTP_ACCEPT_LANGUAGE"] = "bn"

    theirs = student.get("/accounts/password/change/").content.decode()
    english = teacher.get("/accounts/password/change/").content.decode()

    assert "পাসওয়ার্ড বদলান" in theirs
    assert "Change your password" in english and not bengali(english)


def test_a_join_page_is_translated(alpha):
    page = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="bn").get("/join/not-a-token/")

    assert page.status_code in (400, 404)
    text = page.content.decode()
    assert "এই লিংকটি কাজ করছে না" in text
    assert "এটি এই স্কুলের কোনো যোগদান লিংক নয়" in text


def _queue_reset(world, role, key):
    with schema_context(world.schema):
        user = User.objects.get(pk=world.users[role].pk)
        mail_queue(
            key=key,
            to=user.email,
            template="password_reset",
            context={"reset_url": "http://x.test/r/"},
            user=user,
        )
        return OutboundMail.objects.get(key=key)


def test_a_mail_is_in_its_recipients_language(alpha):
    _set_language(alpha, "student", "bn")

    mine = _queue_reset(alpha, "student", "i18n-1")
    theirs = _queue_reset(alpha, "teacher", "i18n-2")

    assert "পাসওয়ার্ড রিসেট করুন" in mine.subject
    assert bengali(mine.text) and bengali(mine.html) and 'lang="bn"' in mine.html
    assert "Reset your password" in theirs.subject and not bengali(theirs.text)


def test_a_mail_to_someone_who_chose_no_language_is_in_the_schools(alpha, beta):
    # given: alpha's default is Bengali, beta's stays English
    Organisation.objects.filter(pk=alpha.org.pk).update(language="bn")

    ours = _queue_reset(alpha, "teacher", "i18n-3")
    others = _queue_reset(beta, "teacher", "i18n-4")

    assert bengali(ours.subject)
    assert not bengali(others.subject)


def test_a_school_signs_up_with_its_language(public_client):
    response = public_client.post(
        "/",
        {
            "school_name": "Padma School",
            "slug": "padma",
            "admin_email": "head@padma.test",
            "password": "a-long-enough-passphrase",
            "language": "bn",
        },
    )

    assert response.status_code == 302, response.content.decode()[-800:]
    assert Organisation.objects.get(slug="padma").language == "bn"


def test_the_signup_page_offers_the_browsers_language_first(public_client):
    public_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "bn"

    page = public_client.get("/").content.decode()

    assert "liveroll-এ আপনার স্কুল শুরু করুন" in page
    assert '<option value="bn" selected>' in page


def test_a_language_picked_in_the_app_before_signing_in_beats_the_browsers(alpha):
    visitor = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    visitor.cookies["django_language"] = "bn"
    _set_language(alpha, "teacher", "en")
    teacher = alpha.client("teacher")
    teacher.cookies["django_language"] = "bn"

    picked = visitor.get("/accounts/password/reset/").content.decode()
    own = teacher.get("/accounts/password/change/").content.decode()

    assert "পাসওয়ার্ড রিসেট করুন" in picked
    assert "Change your password" in own and not bengali(own)  # their own choice first
