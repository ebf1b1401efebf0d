"""One module per ``sre-pipeline`` sub-command; imported lazily so each starts fast."""


class UsageError(Exception):
    """A flag value that cannot be used; the message says what was expected (exit code 2)."""


def sloth_period(args):
    """The period for Sloth specs: ``--sloth-period``, else the configuration's
    ``sloth_period`` (``$SRE_PIPELINE_CONFIG`` or ./sre_pipeline.yaml), else Sloth's 30d."""
    if args.sloth_period is not None:
        return args.sloth_period
    from sre_pipeline.config import load_config
    from sre_pipeline.inputs.durations import parse_duration

    return parse_duration(load_config().sloth_period)
