"""Login shells that do not run the audit script, or that print noise first.

A nologin shell, /bin/false, or a start-up file that prints without a final newline: the
first two must be named as such (never "sudo failed" or a silent "no answer"), the last must
not cost a single fact.
"""

from __future__ import annotations

import secrets

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.inventory.model import Inventory
from tests.conftest import HostFactory, LabUsers
from tests.labs.base import Lab

pytestmark = pytest.mark.integration

KEYS = {"os.release", "host.time", "accounts.shadow"}  # one unprivileged, one sudo fact


def _collect(lab_host: HostFactory, user: str) -> dict[str, object]:
    host = lab_host(user=user, sudo=True)
    inventory = Inventory(path="t.yml", sha256="0", organisation="t", hosts=(host,), claims=())
    snapshot = collect(inventory, {"host": {"lab": set(KEYS)}},
                       CollectOptions())
    facts = snapshot.hosts["lab"]
    return {"facts": facts.facts, "errors": facts.errors}


@pytest.mark.parametrize("shell", ["/usr/sbin/nologin", "/bin/false"])
def test_a_login_shell_that_refuses_is_named(lab: Lab, lab_users: LabUsers,
                                            lab_host: HostFactory, shell: str) -> None:
    user = f"pst{secrets.token_hex(3)}shell"
    lab.add_user(user, sudo="nopasswd", authorized_key=lab_users.key, shell=shell)
    got = _collect(lab_host, user)
    facts = got["facts"]
    assert isinstance(facts, dict)
    for key in KEYS:
        fact = facts[key]
        assert not fact.ok, key
        assert "login shell" in fact.reason, (key, fact.reason)
    assert "sudo failed" not in " ".join(f.reason for f in facts.values())


def test_noise_before_the_script_costs_no_fact(lab: Lab, lab_users: LabUsers,
                                               lab_host: HostFactory) -> None:
    user = f"pst{secrets.token_hex(3)}noisy"
    lab.add_user(user, sudo="nopasswd", authorized_key=lab_users.key, shell="/bin/sh")
    home = f"/home/{user}"
    # sh reads $ENV for interactive shells only; ~/.profile for login shells; the
    # command channel runs neither, so the noise comes from a wrapper shell instead.
    import os
    import pwd
    noisy = f"{home}/noisy-shell"
    with open(noisy, "w") as handle:
        handle.write('#!/bin/sh\nprintf "Welcome to the shop server"\nexec /bin/sh "$@"\n')
    os.chmod(noisy, 0o755)
    entry = pwd.getpwnam(user)
    os.chown(noisy, entry.pw_uid, entry.pw_gid)
    import subprocess
    subprocess.run(["usermod", "-s", noisy, user], check=True, capture_output=True)
    got = _collect(lab_host, user)
    facts = got["facts"]
    assert isinstance(facts, dict)
    assert all(facts[k].ok for k in KEYS), {k: facts[k].reason for k in KEYS}
