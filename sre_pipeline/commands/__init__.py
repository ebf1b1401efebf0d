"""One module per ``sre-pipeline`` sub-command; imported lazily so each starts fast."""


class UsageError(Exception):
    """A flag value that cannot be used; the message says what was expected (exit code 2)."""


def config_setting(key: str):
    """One key of the configuration (``$SRE_PIPELINE_CONFIG`` or ./sre_pipeline.yaml),
    checked, else its default. Only that key is read and checked: a problem elsewhere in the
    configuration is not the business of ``validate`` or ``export-rules`` on spec files."""
    from sre_pipeline.config import ConfigIn, config_path
    from sre_pipeline.inputs.problems import SpecError
    from sre_pipeline.inputs.validation import DocContext
    from sre_pipeline.inputs.yamldocs import read_documents

    path = config_path()
    docs, problems = read_documents(path) if path else ([], [])
    if problems:  # the file cannot be read: its settings are unknown
        raise SpecError(problems)
    data = docs[0].data if docs and isinstance(docs[0].data, dict) else {}
    if key not in data:
        return ConfigIn.model_fields[key].default
    ctx = DocContext(docs[0])
    parsed = ctx.validate(ConfigIn, {key: data[key]})
    if parsed is None:
        raise SpecError(ctx.problems)
    return getattr(parsed, key)


def sloth_period(args):
    """The period for Sloth specs: ``--sloth-period``, else the configuration's
    ``sloth_period``, else Sloth's 30d."""
    if args.sloth_period is not None:
        return args.sloth_period
    from sre_pipeline.inputs.durations import parse_duration

    return parse_duration(config_setting("sloth_period"))


def bucket_width():
    """The configuration's bucket width (``bucket_minutes``), which time slices must fit."""
    from datetime import timedelta

    return timedelta(minutes=config_setting("bucket_minutes"))
