"""A tour of the app at /app/ for every role, in English on a desktop screen and in Bengali
on a phone (390 px): every menu item opens a page that works, in the person's language, no
wider than the screen, with no script error and no catalogue key shown as text
(frontend/tests/tour.mjs drives Debian's Chromium; screenshots land in
frontend/test-results/tour/). Skipped where Node.js, the build or Chromium is missing."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import User

from .browser import browser_walk
from .conftest import PASSWORD, ROLES
from .support import committed
from .test_spa_smoke import SMOKE_SKIPPED

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(SMOKE_SKIPPED is not None, reason=SMOKE_SKIPPED or ""),
]


def _languages(world, language: str | dict[int, str]) -> dict[int, str]:
    """Sets everyone's language (or each their own, from a previous answer); returns what
    each had, so that the test can put it back (the world is shared by the session)."""

    def run():
        with schema_context(world.schema):
            people = User.objects.filter(pk__in=[u.pk for u in world.users.values()])
            before = dict(people.values_list("pk", "language"))
            for pk in before:
                wanted = language if isinstance(language, str) else language[pk]
                User.objects.filter(pk=pk).update(language=wanted)
            return before

    return committed(run)


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("bn", 390)])
def test_every_role_can_open_every_page_of_its_menu(worlds, tmp_path, language, width):
    world = worlds["a"]
    before = _languages(world, language)
    visits = [
        {
            "role": role,
            "email": world.users[role].email,
            "password": PASSWORD,
            "language": language,
            "width": width,
        }
        for role in ROLES
    ]
    try:
        report = browser_walk(
            world, tmp_path, script="tour.mjs", env_prefix="TOUR", visits=visits, timeout=600
        )
    finally:
        _languages(world, before)

    for visit in report.values():
        # the home page and at least one page of the menu, each titled
        assert len(visit["pages"]) >= 1 and all(p["title"] for p in visit["pages"]), visit
