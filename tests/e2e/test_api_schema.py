"""The API keeps its published contract under generated input (schemathesis).

In-process (ASGI, no socket), bounded: about 500 generated requests over the
``/api/v1`` operations. Checked for every response: no 5xx, a documented status
code and content type, and a body matching the documented schema (422 bodies
included). The app runs without rate limit so that every request is answered.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st

pytestmark = [pytest.mark.slow, pytest.mark.model]

CHECKS = [
    st.not_a_server_error,
    st.status_code_conformance,
    st.content_type_conformance,
    st.response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(bot, repo_settings, tmp_path_factory):
    from ui.server import create_app

    app_settings = repo_settings.model_copy(
        update={
            "rate_limit_per_minute": 0,
            "index_watch_seconds": 0,
            "feedback_db": tmp_path_factory.mktemp("schema") / "feedback.sqlite3",
        }
    )
    app = create_app(bot, app_settings)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/v1/")


#: Generated requests per operation (6 operations, ~500 requests in all).
EXAMPLES = 120


def test_the_api_keeps_its_contract(api_schema) -> None:
    """Every ``/api/v1`` operation, one after the other (schemathesis' own pytest
    plugin does not run under this pytest; its strategies do)."""
    from hypothesis import given

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case) -> None:
            case.call_and_validate(checks=CHECKS)

        conforms()
