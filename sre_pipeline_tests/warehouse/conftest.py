"""A migrated warehouse engine on SQLite and on PostgreSQL, for the warehouse tests."""

from __future__ import annotations

import pytest

from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import upgrade


@pytest.fixture
def engine(warehouse_url):
    """The warehouse at ``warehouse_url``, upgraded to the head revision; disposed after."""
    engine = make_engine(warehouse_url)
    upgrade(engine)
    yield engine
    engine.dispose()
