"""db.tls for PostgreSQL (posture.collect.probes.pgtls) against a recorded session: the
rules of the view and of the host fact, the settings, roles and sessions, and the value
assembled from two connections (one asking for TLS, one plain)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from posture.collect.probes import pgtls
from posture.collect.probes.pgtls import (
    MAX_RULES,
    _from_fields,
    _looks_ip,
    file_rules,
    host_cluster,
    pg_db_tls,
    view_rules,
)
from posture.collect.types import ProbeContext, ProbeError
from posture.inventory.model import Database
from posture.models import Fact, FactStatus

VIEW_ROW = (3, "host", ["shop"], ["app", "web"], "10.0.0.0", "255.0.0.0", "md5", None)


class Session:
    """A PostgreSQL session answering from recorded rows (what pg8000 returned)."""

    def __init__(self, settings: Sequence[tuple[str, str]] = (("ssl", "on"),),
                 view: list[tuple[Any, ...]] | ProbeError | None = None,
                 roles: Sequence[str] = ("app",),
                 activity: list[tuple[Any, ...]] | ProbeError | None = None) -> None:
        self.settings, self.roles = list(settings), list(roles)
        self.view = [VIEW_ROW] if view is None else view
        self.activity = [(2, 1, 3)] if activity is None else activity
        self.tls = {"version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256"}
        self.server_version = "15.4"
        self.calls: list[tuple[str, Any, Any]] = []
        self.closed = 0

    def query(self, sql: str, args: Sequence[object] = (), *,
              max_rows: int | None = None) -> list[tuple[Any, ...]]:
        self.calls.append((sql, args, max_rows))
        if "pg_hba_file_rules" in sql:
            found: Any = self.view
        elif "pg_settings" in sql:
            found = self.settings
        elif "pg_roles" in sql:
            found = [(r,) for r in self.roles]
        elif "pg_stat_activity" in sql:
            found = self.activity
        else:
            raise AssertionError(sql)
        if isinstance(found, ProbeError):
            raise found
        return list(found)

    def close(self) -> None:
        self.closed += 1


def context(port: int | None = 5433, host_facts: dict[str, Fact] | None = None,
            ssh: object = "ssh") -> ProbeContext:
    database = Database("shopdb", "db1", "postgresql", "shop", "app", port=port)
    ctx = ProbeContext(inventory=None, name="shopdb",  # type: ignore[arg-type]
                       deadline=time.monotonic() + 60, environ={}, host="db1",  # type: ignore[arg-type]
                       database=database, ssh=ssh)  # type: ignore[arg-type]
    if host_facts is not None:
        ctx.cache["host_facts"] = host_facts
    return ctx


def opener(monkeypatch: pytest.MonkeyPatch,
           **by_mode: Session | ProbeError) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    def fake(ssh: object, host: object, database: object, password: object, *,
             remaining: float, tls: str) -> Session:
        calls.append((ssh, host, database, password, tls, remaining > 0))
        found = by_mode[tls]
        if isinstance(found, ProbeError):
            raise found
        return found

    monkeypatch.setattr(pgtls, "open_pg_session", fake)
    return calls


def access(**cluster: Any) -> Fact:
    return Fact("db.postgres_access", FactStatus.OK, value={"clusters": [
        {"port": 5432, "rules": []}, "junk", {"port": "5433"} | cluster]})


REFUSED = ProbeError(FactStatus.DENIED, 'FATAL: no pg_hba.conf entry (SQLSTATE 28000) ' + "x" * 300)


# ------------------------------------------------------------------------------ the value
def test_tls_required_server(monkeypatch: pytest.MonkeyPatch) -> None:
    tls = Session(settings=[("ssl", "on"), ("ssl_min_protocol_version", "TLSv1.2" + "v" * 200)])
    calls = opener(monkeypatch, require=tls, disable=REFUSED)
    ctx = context()
    value = pg_db_tls(ctx)
    assert value == {
        "engine": "postgresql", "user": "app", "database": "shop",
        "tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256"},
        "tls_offered": True, "plain_session": "refused", "plain_reason": str(REFUSED)[:200],
        "variables": {"ssl": "on", "ssl_min_protocol_version": ("TLSv1.2" + "v" * 200)[:100],
                      "version": "15.4"},
        "roles": ["app"], "sessions": {"tls": 2, "plain": 1, "hidden": 3},
        "hba": {"source": "pg_hba_file_rules", "rules": [
            {"line": 3, "type": "host", "database": ["shop"], "user": ["app", "web"],
             "address": "10.0.0.0", "netmask": "255.0.0.0", "method": "md5", "error": ""}]}}
    assert [c[4] for c in calls] == ["require", "disable"]
    assert calls[0][:4] == ("ssh", "db1", ctx.database, None) and calls[0][5]
    assert tls.closed == 1 and ctx.cache["closers"] == [tls.close]
    assert value["tls_session"] is not tls.tls  # type: ignore[index]
    settings = next(c for c in tls.calls if "pg_settings" in c[0])
    assert settings[1] == (["ssl", "ssl_min_protocol_version", "ssl_max_protocol_version",
                            "server_version", "password_encryption"],)
    assert next(c for c in tls.calls if "pg_hba_file_rules" in c[0])[2] == MAX_RULES == 500
    assert next(c for c in tls.calls if "pg_roles" in c[0])[2] == 500


def test_no_tls_offered_uses_the_plain_session(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = Session(activity=[(None, 4, None)])
    opener(monkeypatch, require=ProbeError(FactStatus.ERROR, "the server does not offer TLS"),
           disable=plain)
    ctx = context()
    value = pg_db_tls(ctx)
    assert value["tls_session"] == {"error": "the server does not offer TLS"}  # type: ignore[index]
    assert value["tls_offered"] is False  # type: ignore[index]
    assert (value["plain_session"], value["plain_reason"]) == ("accepted", "")  # type: ignore[index]
    assert value["sessions"] == {"tls": 0, "plain": 4, "hidden": 0}  # type: ignore[index]
    assert plain.closed == 1 and ctx.cache["closers"] == [plain.close]


def test_tls_error_is_not_a_refusal_and_both_sessions_close(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tls, plain = Session(), Session()
    opener(monkeypatch, require=tls, disable=plain)
    value = pg_db_tls(context())
    assert value["plain_session"] == "accepted"  # type: ignore[index]
    assert (tls.closed, plain.closed) == (1, 1)
    assert not any("pg_settings" in c[0] for c in plain.calls)  # the TLS session is read
    opener(monkeypatch, require=ProbeError(FactStatus.TIMEOUT, "e" * 300), disable=Session())
    value = pg_db_tls(context())
    assert value["tls_offered"] is None  # type: ignore[index]
    assert value["tls_session"] == {"error": "e" * 200}  # type: ignore[index]


def test_plain_error_that_is_no_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    opener(monkeypatch, require=Session(),
           disable=ProbeError(FactStatus.TIMEOUT, "SQLSTATE 28P01 password failed"))
    value = pg_db_tls(context())
    assert value["plain_session"] == "error"  # type: ignore[index]
    assert value["plain_reason"] == "SQLSTATE 28P01 password failed"  # type: ignore[index]


def test_no_session_at_all_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    opener(monkeypatch, require=ProbeError(FactStatus.ERROR, "connection refused"),
           disable=REFUSED)
    with pytest.raises(ProbeError, match=r"^could not open a session: connection refused$") as e:
        pg_db_tls(context())
    assert e.value.status is FactStatus.ERROR


def test_contexts_without_database_or_ssh_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context()
    ctx.database = None
    with pytest.raises(ProbeError, match=r"^no database in this probe context$"):
        pg_db_tls(ctx)
    opener(monkeypatch, require=Session(), disable=Session())
    with pytest.raises(ProbeError, match=r"^could not open a session: no database or SSH "
                                          r"session in this probe context$"):
        pg_db_tls(context(ssh=None))
    ctx = context()
    ctx.host = None
    with pytest.raises(ProbeError, match="could not open a session: no database or SSH"):
        pg_db_tls(ctx)


def test_hidden_sessions_and_minimum_from_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(activity=ProbeError(FactStatus.DENIED, "permission denied"))
    opener(monkeypatch, require=session, disable=REFUSED)
    host = access(settings={"ssl_min_protocol_version": 1.2})
    value = pg_db_tls(context(host_facts={"db.postgres_access": host}))
    assert value["sessions"] is None  # type: ignore[index]
    assert value["variables"] == {  # type: ignore[index]
        "ssl": "on", "version": "15.4", "ssl_min_protocol_version": "1.2",
        "ssl_min_protocol_version_source": "host configuration (over SSH)"}


def test_minimum_from_the_server_wins_and_an_absent_one_stays_absent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    own = Session(settings=[("ssl", "on"), ("ssl_min_protocol_version", "TLSv1.3")])
    opener(monkeypatch, require=own, disable=REFUSED)
    host = access(settings={"ssl_min_protocol_version": "TLSv1"})
    value = pg_db_tls(context(host_facts={"db.postgres_access": host}))
    assert value["variables"]["ssl_min_protocol_version"] == "TLSv1.3"  # type: ignore[index]
    assert "ssl_min_protocol_version_source" not in value["variables"]  # type: ignore[index]
    opener(monkeypatch, require=Session(), disable=REFUSED)
    for cluster in ({}, {"settings": {}}, {"settings": {"ssl_min_protocol_version": None}}):
        value = pg_db_tls(context(host_facts={"db.postgres_access": access(**cluster)}))
        assert "ssl_min_protocol_version" not in value["variables"]  # type: ignore[index]


def test_the_default_port_finds_the_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    opener(monkeypatch, require=Session(view=ProbeError(FactStatus.DENIED, "no")),
           disable=REFUSED)
    fact = Fact("db.postgres_access", FactStatus.OK, value={"clusters": [
        {"port": 5432, "rules": [{"line": 1}], "settings": {"ssl_min_protocol_version": "X"}}]})
    value = pg_db_tls(context(port=None, host_facts={"db.postgres_access": fact}))
    assert value["hba"]["rules"] == [{"line": 1}]  # type: ignore[index]
    assert value["variables"]["ssl_min_protocol_version"] == "X"  # type: ignore[index]


def test_rules_from_the_host_when_the_view_is_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    denied = ProbeError(FactStatus.DENIED, "permission denied for view pg_hba_file_rules"
                        + "z" * 200)
    opener(monkeypatch, require=Session(view=denied), disable=REFUSED)
    host = access(rules=[{"line": 9, "type": "hostssl"}])
    value = pg_db_tls(context(host_facts={"db.postgres_access": host}))
    assert value["hba"] == {  # type: ignore[index]
        "source": "pg_hba_file_rules (superuser, over SSH)",
        "rules": [{"line": 9, "type": "hostssl"}], "view_error": str(denied)[:120]}


@pytest.mark.parametrize(("facts", "why"), [
    ({}, "host fact db.postgres_access was not gathered"),
    ({"db.postgres_access": Fact("db.postgres_access", FactStatus.DENIED)},
     "host fact db.postgres_access is denied"),
    ({"db.postgres_access": access(rules=[])}, "host fact db.postgres_access is ok"),
])
def test_no_rules_anywhere(monkeypatch: pytest.MonkeyPatch, facts: dict[str, Fact],
                           why: str) -> None:
    denied = ProbeError(FactStatus.DENIED, "d" * 300)
    opener(monkeypatch, require=Session(view=denied), disable=REFUSED)
    value = pg_db_tls(context(host_facts=facts))
    assert value["hba"] == {"source": None,  # type: ignore[index]
                            "error": f"pg_hba_file_rules: {'d' * 120}; {why}"}
    without_cache = context()
    assert pg_db_tls(without_cache)["hba"]["error"].endswith(  # type: ignore[index]
        "; host fact db.postgres_access was not gathered")


# ------------------------------------------------------------------------------ the rules
def test_view_rules_clip_every_column() -> None:
    row = (None, "hostnogssenc" * 3, "shop", None, "a" * 300, None, "m" * 40, "e\x00" * 150)
    words = [f"w{i}" + "x" * 100 for i in range(60)]
    session = Session(view=[row, (7, "host", words, ["u"], None, "n" * 80, None, "")])
    rules = view_rules(session)  # type: ignore[arg-type]
    assert rules[0] == {"line": 0, "type": ("hostnogssenc" * 3)[:20], "database": ["shop"],
                        "user": [], "address": "a" * 200, "netmask": "", "method": "m" * 30,
                        "error": "e?" * 100}
    assert rules[1]["database"] == [w[:80] for w in words[:50]]
    assert (rules[1]["line"], rules[1]["address"], rules[1]["netmask"], rules[1]["method"],
            rules[1]["error"]) == (7, "", "n" * 60, "", "")


@pytest.mark.parametrize(("fact", "found"), [
    (None, None),
    (Fact("db.postgres_access", FactStatus.ERROR, value={"clusters": [{"port": 5433}]}), None),
    (Fact("db.postgres_access", FactStatus.OK, value=[{"port": 5433}]), None),
    (Fact("db.postgres_access", FactStatus.OK, value={}), None),
    (Fact("db.postgres_access", FactStatus.OK, value={"clusters": [{"port": 5432}]}), None),
    (Fact("db.postgres_access", FactStatus.OK, value={"clusters": [
        {"port": 5433, "n": 1}, {"port": 5433, "n": 2}]}), {"port": 5433, "n": 1}),
    (Fact("db.postgres_access", FactStatus.OK, value={"clusters": [{"port": "5433"}]}),
     {"port": "5433"}),
])
def test_host_cluster(fact: Fact | None, found: dict[str, Any] | None) -> None:
    assert host_cluster(fact, 5433) == found


def test_file_rules_prefer_the_server_s_own_view() -> None:
    many = [{"line": i} for i in range(MAX_RULES + 1)]
    rules, source = file_rules(access(rules=many), 5433) or ([], "")
    assert len(rules) == MAX_RULES and rules[-1] == {"line": MAX_RULES - 1}
    assert source == "pg_hba_file_rules (superuser, over SSH)"
    assert file_rules(access(), 5434) is None
    assert file_rules(None, 5433) is None


def test_file_rules_from_the_lines_read_over_ssh() -> None:
    hba = [{"line": 3, "fields": ["host", "shop", "app", "10.0.0.0", "255.0.0.0", "md5"]},
           {"line": 4, "fields": ["local", "all", "all"]},
           {"line": 5, "fields": ["local", "all", "all", "peer"]}, {"line": 6}]
    found = file_rules(access(hba=hba, hba_file="/etc/postgresql/15/main/pg_hba.conf"), 5433)
    assert found == ([
        {"line": 3, "type": "host", "database": ["shop"], "user": ["app"],
         "address": "10.0.0.0", "netmask": "255.0.0.0", "method": "md5", "error": ""},
        {"line": 5, "type": "local", "database": ["all"], "user": ["all"], "address": "",
         "netmask": "", "method": "peer", "error": ""}],
        "/etc/postgresql/15/main/pg_hba.conf (read over SSH)")
    _, source = file_rules(access(hba=hba[:1]), 5433) or ([], "")
    assert source == "pg_hba.conf (read over SSH)"
    assert file_rules(access(hba=[{"fields": ["host", "a", "b"]}]), 5433) is None
    assert file_rules(access(hba=[]), 5433) is None
    lines = [{"line": i, "fields": ["local", "all", "all", "peer"]} for i in range(501)]
    rules, _ = file_rules(access(hba=lines), 5433) or ([], "")
    assert len(rules) == 500


@pytest.mark.parametrize(("text", "ip"), [
    ("10.0.0.0", True), ("::1", True), ("fe80::", True), ("ab.cd", True), ("", False),
    ("abc", False), ("1234", False), ("host.name", False), ("10.0.0.0/8", False),
    ("255.255.255.0", True), ("G.0", False),
])
def test_looks_ip(text: str, ip: bool) -> None:
    assert _looks_ip(text) is ip


@pytest.mark.parametrize(("fields", "line", "rule"), [
    (["host", "all", "all", "10.0.0.0", "255.0.0.0", "md5"], 7,
     {"address": "10.0.0.0", "netmask": "255.0.0.0", "method": "md5", "line": 7}),
    (["host", "all", "all", "10.0.0.0/8", "255.0.0.0"], "8",
     {"address": "10.0.0.0/8", "netmask": "", "method": "255.0.0.0", "line": 8}),
    (["host", "all", "all", "samenet", "trust"], "x",
     {"address": "samenet", "netmask": "", "method": "trust", "line": 0}),
    (["host", "all", "all", "10.0.0.0", "trust"], None,
     {"address": "10.0.0.0", "netmask": "", "method": "trust", "line": 0}),
    (["host", "all", "all", "10.0.0.0"], 2,
     {"address": "10.0.0.0", "netmask": "", "method": "", "line": 2}),
    (["host", "all", "all"], 2, {"address": "", "netmask": "", "method": "", "line": 2}),
    (["local", "all", "all", "peer", "map=x"], 3,
     {"address": "", "netmask": "", "method": "peer", "line": 3}),
    (["hostssl", "all", "all", "::1", "ffff::", "cert"], 4,
     {"address": "::1", "netmask": "ffff::", "method": "cert", "line": 4}),
])
def test_from_fields(fields: list[str], line: object, rule: dict[str, Any]) -> None:
    assert _from_fields(fields, line) == {"type": fields[0], "database": ["all"],
                                          "user": ["all"], "error": ""} | rule


def test_from_fields_splits_lists() -> None:
    got = _from_fields(["host", "shop,crm", "app,+staff", "all", "md5"], 1)
    assert (got["database"], got["user"]) == (["shop", "crm"], ["app", "+staff"])


def test_roles_are_clipped() -> None:
    opener_session = Session(roles=["r" * 100, "x\ny"])
    assert pgtls._roles(opener_session) == ["r" * 80, "x?y"]  # type: ignore[arg-type]


def test_host_lines_without_a_number_and_clusters_without_anything() -> None:
    found = file_rules(access(hba=[{"fields": ["local", "all", "all", "peer"]}]), 5433)
    assert found is not None and found[0][0]["line"] == 0
    assert file_rules(access(), 5433) is None  # neither rules nor lines: unknown, not "none"
    no_port = Fact("db.postgres_access", FactStatus.OK, value={"clusters": [{"rules": [1]}]})
    assert host_cluster(no_port, 5432) is None
