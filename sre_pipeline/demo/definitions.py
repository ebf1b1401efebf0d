"""The demo's code location: the production definitions factory with the demo's own SLI and
incident sources (:mod:`sre_pipeline.demo.resources`). ``sre-pipeline demo`` runs its jobs
and writes a ``workspace.yaml`` into its home that loads this module, so ``dagster dev`` shows
the demo's runs; production's ``sre_pipeline.definitions`` never imports the demo.
"""

import dagster as dg

from sre_pipeline.config import load_config
from sre_pipeline.defs.factory import build_defs
from sre_pipeline.demo.resources import demo_resources


@dg.definitions
def defs() -> dg.Definitions:
    """The pipeline for the demo's configuration, over the demo's history."""
    config = load_config()
    return build_defs(config, resources=demo_resources(config))
