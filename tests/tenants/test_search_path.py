"""search_path is sent once per schema switch (TENANT_LIMIT_SET_CALLS), which is safe only
because django-tenants forgets it on a rollback. This guards that: a savepoint rolled
back must not leave queries in the schema the rollback restored."""

import pytest
from django.db import connection, transaction

pytestmark = pytest.mark.django_db


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_a_rolled_back_savepoint_does_not_strand_queries_in_another_schema(alpha, beta):
    # given: alpha's search_path is set
    connection.set_schema(alpha.schema)
    assert _current_schema() == "alpha"

    # when: inside a savepoint the connection switches to beta, sets the path, and the
    # savepoint is rolled back (PostgreSQL restores alpha's path with it)
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        connection.set_schema(beta.schema)
        assert _current_schema() == "beta"
        raise Boom

    # then: the connection still says beta, and queries really run in beta
    assert connection.schema_name == "beta"
    assert _current_schema() == "beta"
