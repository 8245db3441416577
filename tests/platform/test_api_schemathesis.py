"""schemathesis against the OpenAPI schema, in process through Django's WSGI application.

Bounded: a fixed number of generated requests per operation and mode, so the suite stays fast.
The property: no generated request, valid or not, with or without a token, gets a 5xx; valid
requests get answers that match the schema.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from sanshen.api import tokens
from sanshen.units.models import Role

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

pytestmark = pytest.mark.django_db

EXAMPLES = 60


@pytest.fixture
def wsgi_app(settings):
    from django.core.wsgi import get_wsgi_application

    settings.SANSHEN_API_RATE = "off"
    # As Django's test client does: keep the test's connection (and transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


@pytest.fixture
def bearer(tree, make_user):
    admin = make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN))
    return {"Authorization": f"Bearer {tokens.create_token(tree['edu'], 'schemathesis', by=admin)[1]}"}


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    assert ops, "the schema lists no operations"
    return ops


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors(wsgi_app, bearer, mode):
    seen: set[int] = set()
    for operation in _operations(wsgi_app):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers={**bearer, "Host": "localhost"})
            seen.add(response.status_code)
            assert response.status_code < 500, (case.body, response.text[:500])
            checks = [not_a_server_error]
            if mode is GenerationMode.POSITIVE and response.status_code == 200:
                checks.append(response_schema_conformance)
            case.validate_response(response, checks=checks)

        run()
    if mode is GenerationMode.POSITIVE:
        assert 200 in seen  # valid bodies were really checked, not all refused
    else:
        assert seen & {400, 415}


def test_without_credentials_never_5xx(wsgi_app, db):
    for operation in _operations(wsgi_app):

        @settings(
            max_examples=10, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers={"Host": "localhost"})
            assert response.status_code in (401, 413)

        run()
