"""A server with 20,000 accounts: the one stale password is found, never a false pass.

The scan's target is this machine seen through a private mount namespace whose /etc/passwd
and /etc/shadow hold 20,000 generated password accounts (see tests/labs/bigserver.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_lab_part
from tests.labs.bigserver import LOCAL_INVENTORY, scan_with_accounts, write_accounts

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _root() -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        require_lab_part("needs root and unshare (CI runs as root)")


@pytest.mark.parametrize("comment_len", [0, 300])
def test_stale_password_among_20000_accounts_is_found(tmp_path: Path, comment_len: int) -> None:
    accounts = write_accounts(tmp_path, 20000, comment_len=comment_len)
    inventory = tmp_path / "big.yml"
    inventory.write_text(LOCAL_INVENTORY)
    done = scan_with_accounts(accounts, inventory, tmp_path / "out")
    assert done.returncode == 1, done.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    claim = next(c for c in report["claims"] if c["id"] == "rotation")
    assert claim["verdict"] == "contradicted"
    age = next(f for f in report["findings"] if f["check"] == "accounts.password_age")
    assert age["status"] == "fail"
    assert accounts.stale in age["summary"]
    assert age["evidence"]["stale_count"] == "1"
    assert age["evidence"]["judged"] >= 20000
    assert age["evidence"]["oldest_days"] >= accounts.stale_age_days - 1


def test_narrow_scope_on_a_big_server_is_an_error_not_a_pass(tmp_path: Path) -> None:
    # A scope other than "every account" needs the per-account lists, which a server this
    # size overflows: the verdict must say so instead of judging the part that was read.
    accounts = write_accounts(tmp_path, 20000, stale_index=19999, comment_len=300)
    inventory = tmp_path / "big.yml"
    inventory.write_text(LOCAL_INVENTORY.replace("expect: {max_age_days: 90}",
                                                 'expect: {max_age_days: 90, accounts: ["pbig*"]}'))
    done = scan_with_accounts(accounts, inventory, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    age = next(f for f in report["findings"] if f["check"] == "accounts.password_age")
    assert age["status"] == "error", age
    assert "went past posture's output cap" in age["summary"]
    assert done.returncode == 2
