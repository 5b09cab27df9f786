"""SSH login verdicts: the evidence of a value evaluated account by account, or without files.

Complements ``test_mut_sshd_logins.py``: the evidence says whether accounts were evaluated
one by one, and a value that lists no files still yields exact evidence (an empty list).
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, ok

from checks.sshd.ssh import PASSWORD_AUTHENTICATION, ROOT_LOGIN
from posture.models import Status


def _ctx(user: str, **options: str) -> dict[str, Any]:
    return {"kind": "anywhere", "label": "internet", "user": user, "addr": "203.0.113.99",
            "laddr": "-", "lport": "-", "rc": 0,
            "options": {"passwordauthentication": "no", "permitrootlogin": "no", **options},
            "matched": [], "settings": [], "errors": []}


def _value(*contexts: dict[str, Any], by_user: bool) -> dict[str, Any]:
    return {"supported": True, "base_rc": 0, "lines": [], "capped": False,
            "users": {"login_accounts": 4, "invalid": 0, "by_user": by_user, "capped": False},
            "expected": len(contexts), "contexts": list(contexts)}


@pytest.mark.parametrize("by_user", [True, False])
def test_the_evidence_says_whether_accounts_were_evaluated_one_by_one(by_user: bool) -> None:
    value = _value(_ctx("root"), _ctx("alice"), by_user=by_user)
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([ok("sshd.contexts", value)]))
    assert outcome.status is Status.PASS
    assert outcome.evidence == {
        "contexts_evaluated": 2, "contexts_reaching": 2, "accounts_with_login_shell": 4,
        "accounts_evaluated_one_by_one": by_user, "files": [], "unreachable_blocks": [],
        "not_evaluated_blocks": [], "findings": []}


def test_an_unusable_value_without_files_names_none() -> None:
    value = _value(_ctx("root"), by_user=True)
    value["base_rc"] = 1
    outcome = ROOT_LOGIN.evaluate(context([ok("sshd.contexts", value)]))
    assert outcome.status is Status.ERROR
    assert outcome.evidence == {"files": [], "reason": "sshd -T failed ()"}


def test_a_context_without_settings_meets_no_block() -> None:
    plain = _ctx("alice")
    del plain["settings"]
    value = _value(plain, by_user=True)
    value["lines"] = [{"file": "/etc/ssh/sshd_config", "line": 9, "text": "Match User bob"},
                      {"file": "/etc/ssh/sshd_config", "line": 10,
                       "text": "PasswordAuthentication yes"}]
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([ok("sshd.contexts", value)]))
    assert outcome.status is Status.PASS
    assert outcome.evidence["unreachable_blocks"] == [
        "/etc/ssh/sshd_config:9 (Match User bob): no evaluated account or local address meets "
        "its criteria"]
