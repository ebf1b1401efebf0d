"""One module per ``sre-pipeline`` sub-command; imported lazily so each starts fast."""


class UsageError(Exception):
    """A flag value that cannot be used; the message says what was expected (exit code 2)."""


def sloth_period(args):
    """The period for Sloth specs: ``--sloth-period``, else the configuration's
    ``sloth_period`` (``$SRE_PIPELINE_CONFIG`` or ./sre_pipeline.yaml), else Sloth's 30d.

    Only that key is read and checked: a problem elsewhere in the configuration is not the
    business of ``validate`` or ``export-rules`` on spec files."""
    if args.sloth_period is not None:
        return args.sloth_period
    from sre_pipeline.config import ConfigIn, config_path
    from sre_pipeline.inputs.durations import parse_duration
    from sre_pipeline.inputs.problems import SpecError
    from sre_pipeline.inputs.validation import DocContext
    from sre_pipeline.inputs.yamldocs import read_documents

    path = config_path()
    docs, problems = read_documents(path) if path else ([], [])
    if problems:  # the file cannot be read: its sloth_period is unknown
        raise SpecError(problems)
    data = docs[0].data if docs and isinstance(docs[0].data, dict) else {}
    if "sloth_period" not in data:
        return parse_duration(ConfigIn.model_fields["sloth_period"].default)
    ctx = DocContext(docs[0])
    parsed = ctx.validate(ConfigIn, {"sloth_period": data["sloth_period"]})
    if parsed is None:
        raise SpecError(ctx.problems)
    return parse_duration(parsed.sloth_period)
