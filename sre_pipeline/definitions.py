"""The code location: ``dagster dev -w workspace.yaml`` loads ``defs`` from here.

Nothing is read at import: Dagster calls ``defs`` when it loads the code location, and the
factory builds everything from the pipeline configuration (``sre_pipeline.yaml``,
``SRE_PIPELINE_CONFIG`` or the embedded defaults).
"""

import dagster as dg

from sre_pipeline.defs.factory import build_defs


@dg.definitions
def defs() -> dg.Definitions:
    """The whole pipeline for the configuration in effect."""
    return build_defs()
