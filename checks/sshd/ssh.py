"""SSH server checks on the effective configuration (``sshd -T`` of the sshd we reached).

``sshd -T`` prints every option with its effective value, so an option that is absent means
truncated or unusual output: that is an error, never a silent default. This module judges the
algorithms sshd offers and its SFTP subsystem. Authentication (passwords, root logins) is
judged per connection context in :mod:`checks.sshd.ssh_logins`; its public names are
re-exported here, and :data:`CHECKS` lists all four SSH checks in catalogue order.
"""

from __future__ import annotations

import re
from fnmatch import translate

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing
from checks.sshd.ssh_logins import (
    PASSWORD_AUTHENTICATION,
    REFERENCES,
    ROOT_LOGIN,
    PerContext,
    keys_required,
    password_logins,
    password_status,
)
from posture.models import JSON, Severity, Status, msg

__all__ = ["CHECKS", "PASSWORD_AUTHENTICATION", "REFERENCES", "ROOT_LOGIN", "SFTP_SUBSYSTEM",
           "WEAK_ALGORITHMS", "PerContext", "classify", "keys_required", "option",
           "password_logins", "password_status"]

_NEEDS = ("sshd.config",)

# Algorithms that must go (fail) and SHA-1 legacy ones that should go (warn); see RFC 9142,
# RFC 8332 and the ssh-audit policies.
_WEAK = ("*-cbc", "*-cbc@*", "3des*", "arcfour*", "blowfish*", "cast128*", "none",
         "hmac-md5*", "hmac-sha1-96*", "diffie-hellman-group1-sha1",
         "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "ssh-dss*")
# umac-64 has a 64-bit tag: legacy (warn) like ssh-audit, not broken; stock Debian offers it.
_LEGACY = ("ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "hmac-sha1", "hmac-sha1-etm@openssh.com",
           "umac-64@openssh.com", "umac-64-etm@openssh.com")
# Evidence category -> sshd -T keys (newest name first).
_CATEGORIES = {
    "ciphers": ("ciphers",),
    "macs": ("macs",),
    "kex": ("kexalgorithms",),
    "host_keys": ("hostkeyalgorithms",),
    "user_keys": ("pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes"),
}
_REQUIRED = ("ciphers", "macs", "kex")


def option(config: dict[str, list[str]], *keys: str) -> str | None:
    """The first value of the first present key, as sshd -T printed it; None when none is
    present (:func:`classify` trims and lower-cases the names itself)."""
    for key in keys:
        values = config.get(key)
        if values:
            return values[0]
    return None


def _config(ctx: CheckContext) -> dict[str, list[str]] | Outcome:
    error = missing(ctx, "sshd.config")
    if error:
        return error
    value = ctx.fact("sshd.config").value
    return value if isinstance(value, dict) else Outcome(
        Status.ERROR, msg("could not determine: the sshd configuration has an unexpected shape"))


# The _WEAK patterns as one regular expression, compiled once: a name is weak when it
# matches it (what any(fnmatchcase(name, p) for p in _WEAK) says, without one call per pattern).
_WEAK_NAME = re.compile("|".join(translate(p) for p in _WEAK))


# classify() of the lists met so far, as tuples: a fleet's servers offer the same few lists.
# A pure function of an immutable text; bounded, so hostile facts cannot grow it without end.
_CLASSIFIED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
CLASSIFY_MEMO_CAP = 1024


def classify(algorithms: str) -> tuple[list[str], list[str]]:
    """Split a comma-separated algorithm list into (weak, sha1-legacy) names (new lists on
    every call: the caller may keep them in a finding's evidence)."""
    known = _CLASSIFIED.get(algorithms)
    if known is None:
        names = [a.strip().lower() for a in algorithms.split(",") if a.strip()]
        weak = [a for a in names if _WEAK_NAME.match(a)]
        legacy = [a for a in names if a not in weak and a in _LEGACY]
        known = (tuple(weak), tuple(legacy))
        if len(_CLASSIFIED) < CLASSIFY_MEMO_CAP:
            _CLASSIFIED[algorithms] = known
    return list(known[0]), list(known[1])


def _weak_algorithms(ctx: CheckContext) -> Outcome:
    config = _config(ctx)
    if isinstance(config, Outcome):
        return config
    weak: dict[str, JSON] = {}
    legacy: dict[str, JSON] = {}
    unreported = []
    for category, keys in _CATEGORIES.items():
        listed = option(config, *keys)
        if listed is None:
            unreported.append(category)
            continue
        bad, old = classify(listed)
        weak.update({category: bad} if bad else {})
        legacy.update({category: old} if old else {})
    evidence = {"weak": weak, "sha1_legacy": legacy, "not_reported": unreported}
    if weak:
        names = sorted({a for group in weak.values() for a in group})
        shown = ", ".join(names[:6])
        if len(names) > 6:
            return Outcome(Status.FAIL, msg("SSH offers {n} weak algorithms: {names} and {more} "
                                            "more.", n=len(names), names=shown,
                                            more=len(names) - 6), evidence)
        return Outcome(Status.FAIL, msg("SSH offers {n} weak algorithm: {names}.",
                                        "SSH offers {n} weak algorithms: {names}.",
                                        n=len(names), names=shown), evidence)
    missing_required = [c for c in _REQUIRED if c in unreported]
    if missing_required:
        return Outcome(Status.ERROR, msg("could not determine: sshd -T did not list {names} "
                                         "(older OpenSSH prints only configured values).",
                                         names=", ".join(missing_required)), evidence)
    if legacy:
        names = sorted({a for group in legacy.values() for a in group})
        return Outcome(Status.WARN, msg("SSH still offers SHA-1 based algorithms: {names}.",
                                        names=", ".join(names)), evidence)
    return Outcome(Status.PASS, msg("SSH offers only current ciphers, MACs, key exchanges and "
                                    "key types."), evidence)


def _sftp_subsystem(ctx: CheckContext) -> Outcome:
    config = _config(ctx)
    if isinstance(config, Outcome):
        return config
    entries = [e.strip() for e in config.get("subsystem", [])]
    sftp = [e for e in entries if e.split()[:1] == ["sftp"]]
    evidence = {"subsystems": entries}
    if sftp:
        return Outcome(Status.PASS, msg("The SSH server offers SFTP ({entry}).", entry=sftp[0]),
                       evidence)
    return Outcome(Status.FAIL, msg("The statement promises SFTP but the SSH server offers no "
                                    "SFTP subsystem."), evidence)


WEAK_ALGORITHMS = Check(CheckMeta(
    id="ssh.weak_algorithms",
    title="SSH offers no weak or SHA-1 based algorithms",
    claim_types=("encrypted_admin_channels",),
    severity=Severity.MEDIUM,
    rationale="CBC ciphers, RC4, MD5 and short MACs, SHA-1 key exchange and DSA keys are "
              "broken or deprecated (RFC 9142, RFC 8332); offering them invites downgrades.",
    remediation="Restrict Ciphers, MACs, KexAlgorithms and HostKeyAlgorithms in sshd_config to "
                "the Mozilla 'modern' lists (or an ssh-audit hardening guide) and reload sshd.",
    references=(*REFERENCES, "https://www.rfc-editor.org/rfc/rfc9142",
                "https://www.rfc-editor.org/rfc/rfc8332",
                "https://www.ssh-audit.com/hardening_guides.html"),
    needs=_NEEDS,
), _weak_algorithms)

SFTP_SUBSYSTEM = Check(CheckMeta(
    id="ssh.sftp_subsystem",
    title="The SSH server offers SFTP",
    claim_types=("encrypted_admin_channels",),
    severity=Severity.MEDIUM,
    rationale="A promise that file transfers use SFTP needs an SFTP subsystem; without it "
              "people fall back to FTP or other plaintext tools.",
    remediation="Add 'Subsystem sftp internal-sftp' (or the sftp-server path) to sshd_config "
                "and reload sshd.",
    references=("https://man.openbsd.org/sshd_config#Subsystem",
                "https://infosec.mozilla.org/guidelines/openssh"),
    needs=_NEEDS,
), _sftp_subsystem)

CHECKS = (PASSWORD_AUTHENTICATION, ROOT_LOGIN, WEAK_ALGORITHMS, SFTP_SUBSYSTEM)
"""The SSH checks, in catalogue order."""
