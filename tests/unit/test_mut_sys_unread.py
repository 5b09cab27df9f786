"""Facts the password checks must not read: not ``ok``, even with a value attached.

An unread PAM fact is named as such (not taken for "no PAM module found"); a clock fact that
did not come back ``ok`` gives no offset even if it carries a number; and the offender named
in a policy sentence carries its own maximum age.
"""

from __future__ import annotations

from facts_samples import SCAN_DAY, context, denied, ok, parsed

from checks.system.accounts import MAX_DAYS_POLICY, PASSWORD_AGE
from checks.system.password_quality import PASSWORD_QUALITY
from posture.models import Fact, FactStatus, Status


def test_unread_pam_fact_is_named() -> None:
    outcome = PASSWORD_QUALITY.evaluate(context([denied("pam.password")]))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "pam.password"
    assert outcome.evidence["fact_status"] == "denied"


def test_never_gathered_pam_fact_is_named() -> None:
    outcome = PASSWORD_QUALITY.evaluate(context([]))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "pam.password"


def test_clock_fact_that_is_not_ok_gives_no_offset() -> None:
    facts = [parsed("accounts.passwd", "alice:x:1000:1000::/home/alice:/bin/bash\n"),
             parsed("accounts.shadow", f"alice:set:{SCAN_DAY - 3}:0:90:7::\n"),
             Fact("host.time", FactStatus.TIMEOUT, (SCAN_DAY + 5) * 86400, reason="slow")]
    outcome = PASSWORD_AGE.evaluate(context(facts, {"max_age_days": 90}))
    assert outcome.status is Status.PASS
    assert outcome.evidence["target_clock_offset_days"] is None


def test_lower_bound_sentence_names_the_first_offenders_maximum() -> None:
    summary = {
        "today": SCAN_DAY, "accounts": 4, "with_shadow_entry": 4, "no_login_shell": 0,
        "judged": 4, "blocked": {}, "empty": [], "empty_count": 0, "unknown": [],
        "unknown_count": 0, "forced": [], "forced_count": 0,
        "oldest": [{"name": "dave", "last_change": SCAN_DAY - 5}],
        "longest_max": [{"name": "dave", "max_days": 400}], "keep": 1}
    facts = [ok("accounts.password_summary", summary),
             ok("login.defs", {"PASS_MAX_DAYS": "90"})]
    outcome = MAX_DAYS_POLICY.evaluate(context(facts, {"max_age_days": 90}))
    assert outcome.status is Status.FAIL
    assert outcome.summary == ("The ageing policy does not enforce the 90-day promise: at least "
                               "1 password accounts have a longer or no maximum age (e.g. dave: "
                               "400).")
