"""The review by e-mail against a real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS (a
trustme CA) and AUTH: the message parses with both parts and every inline chart its HTML
references; a stopped server is a clear failure recorded in the audit table, and the retry
sends exactly once; a bad password and header injection are refused."""

from __future__ import annotations

import json
import socket
import ssl
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sre_pipeline.review.email import (
    EmailError,
    OutboxSender,
    SmtpSender,
    SmtpSettings,
    build_message,
    recipients,
    send_week,
    subject,
)
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import upgrade

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
USER, PASSWORD = "review-bot", "s3cret"


class Inbox:
    """An aiosmtpd handler that keeps what it was given."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A STARTTLS + AUTH SMTP server on 127.0.0.1 that can be stopped and started again on
    the same port (a stopped aiosmtpd controller cannot be restarted: a new one is made)."""

    def __init__(self, context: ssl.SSLContext):
        self.context, self.port, self.inbox = context, free_port(), Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=_login,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(tmp_path):
    """The server, started; yields (server, inbox, CA file)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = Server(context)
    server.start()
    try:
        yield server, server.inbox, ca_file
    finally:
        server.stop()


def week_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reviews" / "2026-W46"
    (folder / "charts").mkdir(parents=True)
    summary = {"week": "2026-W46", "breached": 1, "at_risk": 2, "met": 14, "no_data": 0}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "review.txt").write_text("Reliability review 2026-W46\n1 breached\n")
    (folder / "review.email.html").write_text(
        '<html><body><p>1 breached</p><img src="cid:burn-cart">'
        '<img src="cid:causes"><img src="cid:burn-cart"></body></html>'
    )
    for name in ("burn-cart", "causes", "unused"):
        (folder / "charts" / f"{name}.png").write_bytes(PNG)
    return folder


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    upgrade(engine)
    yield engine
    engine.dispose()


def audit(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT fingerprint, outcome FROM outbound_audit ORDER BY id")
        ).all()
    return [tuple(r) for r in rows]


def sender(controller, ca_file, password=PASSWORD) -> SmtpSender:
    return SmtpSender(
        SmtpSettings(
            host="127.0.0.1",
            port=controller.port,
            security="starttls",
            username=USER,
            password=password,
            timeout_s=10,
            ca_bundle=str(ca_file),
        )
    )


def test_the_message_has_both_parts_and_every_inline_chart(smtp, tmp_path, engine):
    controller, inbox, ca_file = smtp
    folder = week_folder(tmp_path)
    to = ["sre@example.com", "payments@example.com"]
    report = send_week(engine, folder, sender(controller, ca_file), "bot@example.com", to)
    assert (report.sent, report.failed) == (to, {})
    assert [rcpt for rcpt, _ in inbox.messages] == [[a] for a in to]
    message = BytesParser(policy=policy.default).parsebytes(inbox.messages[0][1])
    assert message["Subject"] == "Reliability review 2026-W46: 1 SLO breached, 2 at risk"
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.iter_parts()
    assert text.get_content_type() == "text/plain" and "1 breached" in text.get_content()
    assert related.get_content_type() == "multipart/related"
    html, *images = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert sorted(p["Content-ID"] for p in images) == ["<burn-cart>", "<causes>"]  # once each
    assert all(p.get_content() == PNG for p in images)
    assert audit(engine) == [(f"review:2026-W46:{a}", "sent") for a in to]


def test_a_stopped_server_fails_clearly_and_the_retry_sends_exactly_once(smtp, tmp_path, engine):
    controller, inbox, ca_file = smtp
    folder = week_folder(tmp_path)
    to = ["sre@example.com"]
    controller.stop()
    report = send_week(engine, folder, sender(controller, ca_file), "bot@example.com", to)
    assert report.sent == [] and list(report.failed) == to
    assert f"smtp://127.0.0.1:{controller.port}: ConnectionRefusedError" in report.failed[to[0]]
    assert audit(engine) == [("review:2026-W46:sre@example.com", "failed")]
    controller.start()
    for _ in range(3):  # the retry, then two more runs of the same week
        send_week(engine, folder, sender(controller, ca_file), "bot@example.com", to)
    assert len(inbox.messages) == 1
    assert [o for _, o in audit(engine)] == ["failed", "sent"]
    again = send_week(
        engine, folder, sender(controller, ca_file), "bot@example.com", to, resend=True
    )
    assert again.sent == to and len(inbox.messages) == 2  # forced


def test_a_bad_password_names_the_login(smtp, tmp_path, engine):
    controller, inbox, ca_file = smtp
    report = send_week(
        engine,
        week_folder(tmp_path),
        sender(controller, ca_file, password="wrong"),
        "bot@example.com",
        ["sre@example.com"],
    )
    assert "refused the login of 'review-bot'" in report.failed["sre@example.com"]
    assert inbox.messages == []


def test_an_untrusted_certificate_is_refused(smtp, tmp_path, engine):
    controller, inbox, _ = smtp
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    report = send_week(
        engine,
        week_folder(tmp_path),
        sender(controller, other),
        "bot@example.com",
        ["sre@example.com"],
    )
    assert "SSLCertVerificationError" in report.failed["sre@example.com"]
    assert inbox.messages == []


def test_header_injection_is_refused_before_anything_is_sent(tmp_path, engine):
    with pytest.raises(EmailError, match="must not contain a line break"):
        recipients(["sre@example.com\r\nBcc: everyone@example.com"], {}, [])
    with pytest.raises(EmailError, match="the sender must not contain a line break"):
        build_message(week_folder(tmp_path), "bot@example.com\nBcc: x@y.z", "sre@example.com")
    summary = {"week": "2026-W46\r\nBcc: x@y.z", "breached": 0, "at_risk": 0, "met": 3}
    with pytest.raises(EmailError, match="the subject"):
        from sre_pipeline.review.email import _clean

        _clean(subject(summary), "the subject")


def test_recipients_are_the_list_and_the_owning_teams_once_each():
    teams = {"payments": "pay@example.com", "search": "SRE@example.com", "idle": "i@example.com"}
    got = recipients(["sre@example.com"], teams, ["payments", "search", "payments"])
    assert got == ["sre@example.com", "pay@example.com"]  # SRE@ is sre@; idle owns no SLO


def test_the_outbox_writes_one_eml_per_week_and_recipient(tmp_path, engine):
    folder = week_folder(tmp_path)
    outbox = OutboxSender(tmp_path / "outbox")
    to = ["sre@example.com", "pay@example.com"]
    for _ in range(2):
        send_week(engine, folder, outbox, "bot@example.com", to)
    files = sorted(p.name for p in (tmp_path / "outbox" / "2026-W46").iterdir())
    assert files == ["pay@example.com.eml", "sre@example.com.eml"]
    assert [o for _, o in audit(engine)] == ["sent", "sent"]  # the second run sent nothing


def test_team_addresses_come_from_the_specs_and_the_configuration_wins():
    from sre_pipeline.review.mailing import spec_addresses
    from sre_pipeline_tests.slo.factories import make_slo

    def slo(slo_id, team, address):
        return make_slo(slo_id).model_copy(
            update={"team": team, "labels": {"team_email": address} if address else {}}
        )

    slos = [slo("pay-a", "payments", "pay@example.com"), slo("cart-a", "cart", None)]
    found = spec_addresses(slos)
    assert found == {"payments": "pay@example.com"}
    config = {"payments": "pay-oncall@example.com"}
    assert recipients([], {**found, **config}, ["payments", "cart"]) == ["pay-oncall@example.com"]
    with pytest.raises(EmailError, match="SLO pay-b: labels.team_email: an address must not"):
        spec_addresses([slo("pay-b", "payments", "pay@example.com\nBcc: x@example.com")])


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS: implicit
def test_implicit_tls_on_its_own_port(tmp_path, engine):
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=context,  # TLS from the first byte (port 465 style)
        server_hostname="127.0.0.1",
        auth_required=True,
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS throughout
        auth_require_tls=False,
        authenticator=_login,
    )
    controller.start()
    try:
        settings = SmtpSettings(
            "127.0.0.1", controller.port, "tls", USER, PASSWORD, 10, str(ca_file)
        )
        report = send_week(
            engine, week_folder(tmp_path), SmtpSender(settings), "bot@example.com", ["a@b.io"]
        )
    finally:
        controller.stop()
    assert report.sent == ["a@b.io"], report.failed
    assert len(inbox.messages) == 1


def test_templates_from_a_folder_override_the_shipped_ones(tmp_path):
    from sre_pipeline.review.render import Renderer

    (tmp_path / "review.txt.j2").write_text("Our own {{ r.week }}: {{ s.breached }} breached\n")
    review = {
        "week": "2026-W46",
        "summary": {"breached": 2, "top_burners": []},
        "slos": [],
        "incidents": {"rows": []},
    }
    text = (
        Renderer(tmp_path).text.get_template("review.txt.j2").render(r=review, s=review["summary"])
    )
    assert text == "Our own 2026-W46: 2 breached\n"
    shipped = Renderer(tmp_path).text.get_template("review.md.j2")  # not overridden
    assert shipped.filename.endswith("sre_pipeline/review/templates/review.md.j2")


def test_two_runs_at_once_send_once(tmp_path, warehouse_url):
    """Both engines: four threads send the same week at the same moment; each recipient gets
    one message and one `sent` row."""
    import threading

    engine = make_engine(warehouse_url)
    upgrade(engine)
    folder = week_folder(tmp_path)
    written: list[str] = []

    class Counting(OutboxSender):
        def send(self, message):
            written.append(str(message["To"]))
            super().send(message)

    to = ["sre@example.com", "pay@example.com"]
    start = threading.Barrier(4)

    def run():
        start.wait()
        send_week(engine, folder, Counting(tmp_path / "outbox"), "bot@example.com", to)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(written) == sorted(to)
        assert sorted(audit(engine)) == sorted((f"review:2026-W46:{a}", "sent") for a in to)
    finally:
        engine.dispose()
