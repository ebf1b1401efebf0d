"""The Dagster layer: thin asset, check and resource definitions over the domain library."""
