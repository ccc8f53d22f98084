import pytest
from django.test import Client
from django_tenants.utils import schema_context

from meetings.models import Meeting

from ..attendance.conftest import CLASS_START, ZOOM_ID
from ..support import committed


class GQL:
    """A GraphQL client on one tenant's host, as a given role (or anonymous)."""

    def __init__(self, world, role=None, client: Client | None = None):
        self.world = world
        self.client = client or world.client(role)

    def __call__(self, query: str, **variables) -> dict:
        response = self.client.post(
            "/graphql/",
            {"query": query, "variables": variables},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    def ok(self, query: str, **variables) -> dict:
        body = self(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql():
    def make(world, role=None):
        return GQL(world, role)

    return make


@pytest.fixture
def in_schema():
    def run(world, fn, *args, **kwargs):
        with schema_context(world.schema):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def meeting(worlds):
    """A committed meeting of alpha's class (websocket threads see it): (world, its id)."""
    world = worlds["a"]

    def create():
        with schema_context(world.schema):
            return Meeting.objects.create(
                school_class=world.school_class,
                host=world.users["teacher"],
                title="Live maths",
                start_time=CLASS_START,
                zoom_meeting_id=ZOOM_ID,
            ).pk

    def delete():
        with schema_context(world.schema):
            Meeting.objects.filter(pk=meeting_id).delete()

    meeting_id = committed(create)
    yield world, meeting_id
    committed(delete)
