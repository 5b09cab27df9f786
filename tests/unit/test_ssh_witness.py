"""The port probes take the audit session's own connection as the answer for the SSH port
from the auditor's address (no second connection for OpenSSH's PerSourcePenalties to count),
and only when that connection reached that very address and port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from posture.collect import collector
from posture.collect.probes.net import run_reach, run_scan
from posture.collect.transport.sshio import ExecResult
from posture.collect.types import ProbeContext, session_port
from posture.collect.witness import SshWitness
from posture.errors import TransportError
from posture.inventory.model import Host, Inventory, SshSettings, Timeouts


def test_what_the_witness_says() -> None:
    witness = SshWitness()
    assert witness.saw("127.0.0.1", 22, 0.05) is None  # not told in time: no answer
    witness.tell(("10.0.0.5", "192.0.2.7", 22))
    witness.tell(None)  # the first word counts
    assert witness.saw("192.0.2.7", 22, 0) == "10.0.0.5"
    assert witness.saw("::ffff:192.0.2.7", 22, 0) == "10.0.0.5"
    assert witness.saw("192.0.2.8", 22, 0) is None
    assert witness.saw("192.0.2.7", 2222, 0) is None
    assert witness.saw("not an address", 22, 0) is None
    six = SshWitness()
    six.tell(("fe80::2%eth0", "fe80::1%eth0", 22))
    assert six.saw("fe80:0:0::1%eth0", 22, 0) == "fe80::2%eth0"
    assert six.saw("fe80::1%eth1", 22, 0) is None
    nothing = SshWitness()
    nothing.tell(None)
    assert nothing.saw("192.0.2.7", 22, 5) is None


def test_a_late_word_is_waited_for() -> None:
    witness = SshWitness()
    threading.Timer(0.2, witness.tell, (("10.0.0.5", "192.0.2.7", 22),)).start()
    started = time.monotonic()
    assert witness.saw("192.0.2.7", 22, 5) == "10.0.0.5"
    assert 0.15 < time.monotonic() - started < 3


class _Server:
    """A listener on loopback standing for sshd: it counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.count = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.count += 1
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_10.0\r\n")

    def close(self) -> None:
        self._stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def server() -> Any:
    made = _Server()
    yield made
    made.close()


def _ctx(port: int, witness: SshWitness | None) -> ProbeContext:
    host = Host("web1", "127.0.0.1", SshSettings(port=port), Timeouts())
    inventory = Inventory(path="i.yml", sha256="0", organisation="t", hosts=(host,), claims=())
    return ProbeContext(inventory, "web1", time.monotonic() + 20, {}, host=host,
                        witness=witness)


def _told(seen: tuple[str, str, int] | None) -> SshWitness:
    witness = SshWitness()
    witness.tell(seen)
    return witness


def _auditor_ssh(reach: Any) -> dict[str, Any]:
    ssh = next(s for s in reach["services"] if s["service"] == "ssh")
    result: dict[str, Any] = next(r for r in ssh["results"] if r["source"] == "auditor")
    return result


def test_a_seen_ssh_port_is_not_connected_to_again(server: _Server) -> None:
    witness = _told(("127.0.0.1", "127.0.0.1", server.port))
    scan, reach = run_scan(_ctx(server.port, witness)), run_reach(_ctx(server.port, witness))
    time.sleep(0.2)
    assert server.count == 0
    assert server.port in scan["open"]  # type: ignore[index]
    assert _auditor_ssh(reach) == {"source": "auditor", "local": "127.0.0.1", "state": "open",
                                   "answer": "ssh", "seen_by": "audit-session"}


@pytest.mark.parametrize("seen", [None, ("127.0.0.1", "127.0.0.2", 0), "other-port"])
def test_otherwise_the_probes_connect_as_before(server: _Server, seen: Any) -> None:
    """No session, another address, another port: each probe makes its own connection
    and finds what it finds."""
    if seen == "other-port":
        seen = ("127.0.0.1", "127.0.0.1", server.port + 1)
    elif seen is not None:
        seen = (seen[0], seen[1], server.port)
    witness = _told(seen)
    scan, reach = run_scan(_ctx(server.port, witness)), run_reach(_ctx(server.port, witness))
    deadline = time.monotonic() + 3
    while server.count < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.count == 2
    assert server.port in scan["open"]  # type: ignore[index]
    found = _auditor_ssh(reach)
    assert found["state"] == "open" and found["answer"] == "ssh" and "seen_by" not in found


def test_a_closed_ssh_port_is_still_found_closed_when_the_session_failed() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    witness = _told(None)
    scan, reach = run_scan(_ctx(port, witness)), run_reach(_ctx(port, witness))
    assert port not in scan["open"]  # type: ignore[index]
    assert _auditor_ssh(reach)["state"] == "closed"


class _Session:
    """A session as the collector sees it, with or without a direct connection to tell."""

    host_key, connections = "", 1

    def __init__(self, seen: tuple[str, str, int] | None) -> None:
        self.seen = seen

    def direct_connection(self) -> tuple[str, str, int] | None:
        return self.seen

    def run(self, command: str, **_: object) -> ExecResult:
        return ExecResult(b"", b"", 0, False, False, 0.0)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


def _work(port: int) -> Any:
    # A host budget of 12 s: a probe left waiting for a word never told waits that long.
    host = Host("web1", "127.0.0.1", SshSettings(port=port), Timeouts(host=12.0))
    inventory = Inventory(path="i.yml", sha256="0", organisation="t", hosts=(host,), claims=())
    # os.release: a batch to run, so that a session is opened at all
    return collector._HostWork(host, {"net.scan", "net.reach", "os.release"}, []), inventory


@pytest.mark.parametrize("kind", ["direct", "unreachable", "broken"])
def test_the_collector_tells_what_its_session_saw(server: _Server, kind: str,
                                                  tmp_path: Path) -> None:
    """A session that connected tells its connection (the probes then stay off the port);
    one that could not be opened tells nothing, at once (the probes do not wait it out)."""
    work, inventory = _work(server.port)

    def factory(_host: Host) -> _Session:
        if kind == "unreachable":
            raise TransportError("web1: cannot connect")
        if kind == "broken":
            raise RuntimeError("no session")
        return _Session(("127.0.0.1", "127.0.0.1", server.port))

    options = collector.CollectOptions(session_factory=factory)  # type: ignore[arg-type]
    started = time.monotonic()
    if kind == "broken":  # not the collector's to catch; the probes still end at once
        with pytest.raises(RuntimeError):
            collector.collect_host(work, inventory, options)
    elif kind == "unreachable":
        found, _ = collector.collect_host(work, inventory, options)
        assert not found.reachable and "seen_by" not in _auditor_ssh(found.facts["net.reach"].value)
    else:
        found, _ = collector.collect_host(work, inventory, options)
        assert _auditor_ssh(found.facts["net.reach"].value).get("seen_by") == "audit-session"
    assert time.monotonic() - started < 6
    time.sleep(0.2)
    assert server.count == (0 if kind == "direct" else 2)


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "ssh_config"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_session_port_comes_from_the_inventory_then_ssh_config_then_22(
        tmp_path: Path) -> None:
    config = _config(tmp_path, "Host 127.0.0.1\n  Port 2222\nHost *\n  User audit\n")
    def port(address: str, **ssh: Any) -> int | None:
        return session_port(Host("a", address, SshSettings(**ssh), Timeouts()))

    assert port("127.0.0.1", ssh_config=config) == 2222
    assert port("127.0.0.1", port=2200, ssh_config=config) == 2200  # the inventory's on top
    assert port("127.0.0.2", ssh_config=config) == 22
    assert session_port(Host("a", "127.0.0.1", SshSettings(ssh_config=config), Timeouts(),
                             connection="local")) is None
    marker = tmp_path / "ran"
    refused = _config(tmp_path, f"Match exec \"touch {marker}\"\n  Port 2222\n")
    assert port("127.0.0.1", ssh_config=refused) is None  # never run for a look-up
    assert not marker.exists()


def test_the_probes_look_at_the_port_the_session_connects_to(server: _Server,
                                                              tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    """A host whose SSH port is set only in the user's ssh_config: the probes name that port
    "ssh" (not 22), and the session's own connection there answers for it."""
    config = _config(tmp_path, f"Host 127.0.0.1\n  Port {server.port}\n")
    host = Host("web1", "127.0.0.1", SshSettings(ssh_config=config), Timeouts(host=12.0))
    inventory = Inventory(path="i.yml", sha256="0", organisation="t", hosts=(host,), claims=())
    work = collector._HostWork(host, {"net.scan", "net.reach", "os.release"}, [])
    monkeypatch.setattr(collector, "open_session", lambda *_a, **_k: _Session(
        ("127.0.0.1", "127.0.0.1", server.port)))
    found, _ = collector.collect_host(work, inventory, collector.CollectOptions())
    ssh = next(s for s in found.facts["net.reach"].value["services"]  # type: ignore[index]
               if s["service"] == "ssh")
    assert ssh["port"] == server.port
    assert _auditor_ssh(found.facts["net.reach"].value)["seen_by"] == "audit-session"
    assert server.port in found.facts["net.scan"].value["open"]  # type: ignore[index]
    time.sleep(0.2)
    assert server.count == 0
