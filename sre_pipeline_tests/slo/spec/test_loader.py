"""Finding spec files, mixing formats and checking SLO ids across files (``load_catalog``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec.loader import detect_format, load_catalog, spec_files
from sre_pipeline.slo.windows import google_windows
from sre_pipeline_tests.slo.factories import SHOP_SPEC

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "slos"
EXAMPLE_FORMATS = {
    "api-gateway-availability": "native",
    "api-gateway-uptime": "native",
    "auth-login-availability": "native",
    "cart-availability": "native",
    "catalog-availability": "native",
    "catalog-latency": "native",
    "checkout-availability": "native",
    "checkout-latency": "native",
    "inventory-availability": "native",
    "payments-availability": "native",
    "payments-latency": "native",
    "recommendations-availability": "native",
    "shipping-label-creation": "native",
    "user-profile-availability": "native",
    "notifications-requests-availability": "sloth",
    "notifications-requests-latency": "sloth",
    "search-availability": "openslo",
    "search-latency": "openslo",
}
QUERY = "sum(rate(x_total[{{ .window }}]))"
SLOTH = f"""\
version: prometheus/v1
service: mail
slos:
  - name: sends
    objective: 99
    sli: {{events: {{error_query: '{QUERY}', total_query: '{QUERY}'}}}}
    alerting: {{name: MailSends}}
"""


def native(service: str, *names: str) -> dict:
    slos = [
        {"name": n, "objective": 99.9, "sli": {"events": {"bad": QUERY, "total": QUERY}}}
        for n in names or ("availability",)
    ]
    return {"apiVersion": "sre-pipeline/v1", "service": {"name": service}, "slos": slos}


def write(path: Path, *docs: dict | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = docs[0] if isinstance(docs[0], str) else yaml.safe_dump_all(docs, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


def errors(*paths) -> list[Problem]:
    with pytest.raises(SpecError) as exc:
        load_catalog(list(paths))
    return [p for p in exc.value.problems if p.severity == "error"]


def test_examples_mix_all_three_formats():
    catalog = load_catalog([EXAMPLES])
    assert len(catalog.slos) == 18
    assert {s.id: s.source.format for s in catalog.slos} == EXAMPLE_FORMATS
    assert catalog.warnings == []
    assert catalog.ids == load_catalog([str(EXAMPLES)]).ids  # str or Path, same stable order


def test_directories_are_walked_recursively_in_a_stable_order(tmp_path):
    write(tmp_path / "z" / "deep" / "b.yml", native("zeta"))
    write(tmp_path / "a.yaml", native("alpha"))
    write(tmp_path / "m.yml", native("mu"))
    write(tmp_path / "z" / "a.yaml", native("zed"))
    (tmp_path / "notes.txt").write_text("not a spec", encoding="utf-8")
    (tmp_path / "old.yaml.bak").write_text("::: not yaml", encoding="utf-8")
    (tmp_path / "empty.d").mkdir()
    files, problems = spec_files([tmp_path])
    assert problems == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "a.yaml",
        "m.yml",
        "z/a.yaml",
        "z/deep/b.yml",
    ]
    catalog = load_catalog([tmp_path])
    assert catalog.ids == [
        "alpha-availability",
        "mu-availability",
        "zed-availability",
        "zeta-availability",
    ]


def test_files_and_directories_together_keep_the_given_order(tmp_path):
    later = write(tmp_path / "b" / "x.yaml", native("bee"))
    first = write(tmp_path / "a.yaml", native("ay"))
    assert load_catalog([later, first]).ids == ["bee-availability", "ay-availability"]
    assert load_catalog([tmp_path / "b", first]).ids == ["bee-availability", "ay-availability"]


def test_an_explicit_file_needs_no_yaml_suffix(tmp_path):
    assert load_catalog([write(tmp_path / "spec.txt", native("svc"))]).ids == ["svc-availability"]


def test_missing_path(tmp_path):
    missing = tmp_path / "nope"
    good = write(tmp_path / "ok" / "a.yaml", native("a"))
    (problem,) = errors(missing, good)
    assert (problem.file, problem.document, problem.path) == (str(missing), None, "(path)")
    assert (problem.message, problem.expected) == ("no such file or directory", "a spec file")


def test_empty_directory(tmp_path):
    (tmp_path / "only.txt").write_text("x", encoding="utf-8")
    (problem,) = errors(tmp_path)
    assert (problem.file, problem.path, problem.message) == (
        str(tmp_path),
        "(directory)",
        "no .yaml/.yml files",
    )


def test_files_without_slos(tmp_path):
    path = write(tmp_path / "empty.yaml", "# nothing here yet\n---\n")
    (problem,) = errors(path)
    assert (problem.path, problem.message, problem.expected) == (
        "(paths)",
        "no SLOs found",
        "SLO specs",
    )
    assert problem.file == path


def test_duplicate_ids_across_files_name_both(tmp_path):
    first = write(tmp_path / "a.yaml", native("shop", "availability", "latency"))
    second = write(tmp_path / "b.yaml", native("other"), native("shop", "latency"))
    (problem,) = errors(tmp_path)
    assert (problem.file, problem.document, problem.path) == (second, 2, "SLO id 'shop-latency'")
    assert problem.message == f"duplicate id, first defined in {first} (document 1)"
    assert problem.expected == "SLO ids (<service>-<name>) unique across all files"
    assert "shop-latency" in str(problem) and first in str(problem) and second in str(problem)


def test_duplicate_id_across_formats(tmp_path):
    write(tmp_path / "a.yaml", native("mail", "sends"))
    sloth = write(tmp_path / "b.yaml", SLOTH)
    (problem,) = errors(tmp_path)
    assert (problem.file, problem.path) == (sloth, "SLO id 'mail-sends'")


def test_multi_document_files(tmp_path):
    path = write(
        tmp_path / "all.yaml",
        "---\n# empty first document\n---\n"
        + SLOTH
        + "---\n"
        + yaml.safe_dump(native("web", "a", "b")),
    )
    catalog = load_catalog([path])
    assert catalog.ids == ["mail-sends", "web-a", "web-b"]
    assert [(s.source.format, s.source.document) for s in catalog.slos] == [
        ("sloth", 2),
        ("native", 3),
        ("native", 3),
    ]


@pytest.mark.parametrize("days", [7, 28, 30])
def test_sloth_period_is_passed_through(tmp_path, days):
    path = write(tmp_path / "mixed.yaml", SLOTH + "---\n" + yaml.safe_dump(native("web")))
    mail, web = load_catalog([path], sloth_period=timedelta(days=days)).slos
    assert mail.period == Period.rolling(timedelta(days=days))
    assert mail.windows == google_windows(timedelta(days=days))
    assert web.period == Period.rolling(timedelta(days=30))  # native specs state their own


def test_examples_with_a_sloth_period():
    by_id = load_catalog([EXAMPLES], sloth_period=timedelta(days=28)).by_id()
    assert by_id["notifications-requests-availability"].period.label == "28d"
    assert by_id["checkout-availability"].period.label == "30d"


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        ({"apiVersion": "sre-pipeline/v1"}, "native"),
        ({"service": {}, "slos": []}, "native"),
        ({"apiVersion": "openslo/v1", "kind": "SLO"}, "openslo"),
        ({"version": "prometheus/v1"}, "sloth"),
        ({"apiVersion": "sloth.slok.dev/v1"}, "sloth"),
        ({"service": "x"}, None),
        (["apiVersion"], None),
        ("text", None),
    ],
)
def test_detect_format(data, fmt):
    assert detect_format(data) == fmt


def test_errors_of_every_file_are_reported_together(tmp_path):
    write(tmp_path / "a.yaml", "service: [\n")
    write(tmp_path / "b.yaml", {"apiVersion": "sre-pipeline/v1", "service": {"name": "x"}})
    write(tmp_path / "c.yaml", {"kind": "Unknown"})
    problems = errors(tmp_path)
    assert [(Path(p.file).name, p.path) for p in problems] == [
        ("a.yaml", "(document)"),
        ("b.yaml", "slos"),
        ("c.yaml", "(document)"),
    ]


def test_every_format_module_follows_the_format_protocol():
    """One module per format: a name, the header it expects, detection and a reader."""
    from sre_pipeline.slo.spec.loader import FORMATS, LoadOptions, detect_format

    assert [f.NAME for f in FORMATS] == ["openslo", "sloth", "native"]
    headers = {
        "openslo": {"apiVersion": "openslo/v1", "kind": "SLO"},
        "sloth": {"version": "prometheus/v1", "service": "x", "slos": []},
        "native": {"apiVersion": "sre-pipeline/v1", "service": "x", "slos": []},
    }
    for fmt in FORMATS:
        assert fmt.EXPECTED_HEADER.split(": ")[1].split("/")[0] in str(headers[fmt.NAME])
        assert detect_format(headers[fmt.NAME]) == fmt.NAME
        reader = fmt.Reader(LoadOptions())
        assert reader.finish() == ([], [])
    assert detect_format({"kind": "SLO"}) is None


def test_the_same_files_are_parsed_once_per_process_and_a_change_is_read(tmp_path, monkeypatch):
    """A process builds its definitions once per run and job: the specs are parsed once, and
    a file that changes (even to the same size, within the clock's tick) is parsed again."""
    from sre_pipeline.slo.spec import loader

    spec = tmp_path / "shop.yaml"
    spec.write_text(SHOP_SPEC)
    parsed = []
    real = loader.read_documents
    monkeypatch.setattr(loader, "read_documents", lambda p: parsed.append(p) or real(p))
    first = loader.load_catalog([spec])
    first.slos.clear()  # a caller's change does not reach the remembered catalog
    second = loader.load_catalog([spec])
    assert len(parsed) == 1 and [s.objective for s in second.slos] == [0.999]
    spec.write_text(SHOP_SPEC.replace("99.9", "99.5"))  # same size
    assert [s.objective for s in loader.load_catalog([spec]).slos] == [0.995]
    assert len(parsed) == 2
    spec.write_text(SHOP_SPEC.replace("objective: 99.9", "objectiv: 99.9"))
    for _ in range(2):  # an error is remembered too, and raised each time
        with pytest.raises(SpecError):
            loader.load_catalog([spec])
    assert len(parsed) == 3
