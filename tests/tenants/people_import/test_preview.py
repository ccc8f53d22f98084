"""A dry run of `importPeople` previews the rows it would take (line, person, role, action and
the classes by their names) before anything is written; admins only."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import User

pytestmark = pytest.mark.django_db

PREVIEW = """mutation($csv: String!) {
  importPeople(csv: $csv, dryRun: true) {
    report {
      total created updated unchanged rejected
      rows { line email name role action classes parentEmails }
      errors { line column message }
    }
    errors { code }
  }
}"""


def _gql(world, role, **variables):
    response = world.client(role).post(
        "/graphql/", {"query": PREVIEW, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()


def test_the_preview_lists_each_row_and_what_it_does(alpha):
    csv = (
        "email,name,role,classes,parent_emails\n"
        "new@alpha.test,New One,student,alpha school maths,mum@alpha.test\n"
        "mum@alpha.test,Mum,parent,,\n"
        "student@alpha.test,alpha student,student,,\n"
        "bad,Bad,student,,\n"
    )
    report = _gql(alpha, "admin", csv=csv)["data"]["importPeople"]["report"]
    assert report["rows"] == [
        {
            "line": 2,
            "email": "new@alpha.test",
            "name": "New One",
            "role": "STUDENT",
            "action": "CREATE",
            "classes": ["Alpha School maths"],
            "parentEmails": ["mum@alpha.test"],
        },
        {
            "line": 3,
            "email": "mum@alpha.test",
            "name": "Mum",
            "role": "PARENT",
            "action": "CREATE",
            "classes": [],
            "parentEmails": [],
        },
        {
            "line": 4,
            "email": "student@alpha.test",
            "name": "alpha student",
            "role": "STUDENT",
            "action": "UNCHANGED",
            "classes": [],
            "parentEmails": [],
        },
    ]
    assert [e["line"] for e in report["errors"]] == [5]
    with schema_context(alpha.schema):
        assert not User.objects.filter(email="new@alpha.test").exists()


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_only_admins_preview(alpha, role):
    body = _gql(alpha, role, csv="email,role\nx@alpha.test,student\n")
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Only school admins can do that."
