"""Operating-system checks: is the host the claimed release, and is that release supported?

A host names itself in several places (os-release, lsb_release, /etc/*-release,
/etc/debian_version) with different precision; the most precise version that agrees with
os-release's VERSION_ID is the one judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.base import (
    Check,
    CheckContext,
    CheckMeta,
    Outcome,
    missing,
    scan_date,
    text_param,
)
from checks.system import eol
from checks.system.versions import Relation, most_precise, relate
from posture.models import Severity, Status, msg

# Prefixes of lower-cased names and what they mean; first match wins.
_ALIASES = (
    ("red hat enterprise linux", "rhel"), ("redhat", "rhel"), ("red hat", "rhel"),
    ("rhel", "rhel"), ("centos", "centos"), ("rocky", "rocky"), ("alma", "almalinux"),
    ("debian", "debian"), ("ubuntu", "ubuntu"),
)
_NEEDS = ("os.release", "os.lsb", "os.version_files")
_REFERENCES = (
    "https://www.freedesktop.org/software/systemd/man/latest/os-release.html",
    "https://endoflife.date/",
    "CIS Controls v8, safeguard 2.2: ensure authorised software is currently supported",
)


def canonical_distribution(name: str) -> str:
    """Normalise a distribution name: "Red Hat Enterprise Linux Server" -> "rhel"."""
    text = " ".join(name.lower().split())
    return next((canon for prefix, canon in _ALIASES if text.startswith(prefix)), text)


@dataclass(frozen=True)
class OsIdentity:
    """What the host says it is, reduced to one distribution and its most precise version."""

    distribution: str
    names: frozenset[str]
    version: str
    pretty_name: str
    stream: bool
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def product(self) -> str:
        """The end-of-life table product for this host."""
        stream = self.stream and self.distribution == "centos"
        return "centos-stream" if stream else self.distribution

    def as_evidence(self) -> dict[str, object]:
        """The identity for a finding."""
        return {"distribution": self.distribution, "version": self.version,
                "pretty_name": self.pretty_name, "sources": dict(self.sources)}


def _sources(ctx: CheckContext) -> dict[str, str]:
    """Raw identity strings keyed by where they came from, from every usable OS fact."""
    out: dict[str, str] = {}
    wanted = {"os.release": ("ID", "NAME", "VERSION_ID", "VERSION", "PRETTY_NAME"),
              "os.lsb": ("distributor_id", "description", "release")}
    for key, fields in wanted.items():
        fact = ctx.fact(key)
        if fact.ok and isinstance(fact.value, dict):
            label = "os-release" if key == "os.release" else "lsb_release"
            out.update({f"{label} {f}": str(fact.value[f]) for f in fields if fact.value.get(f)})
    files = ctx.fact("os.version_files")
    if files.ok and isinstance(files.value, dict):
        out.update({str(path): str(text) for path, text in files.value.items() if text})
    return out


def _first(sources: dict[str, str], *keys: str) -> str:
    return next((sources[k] for k in keys if sources.get(k)), "")


def _precise_version(src: dict[str, str], distro: str, rpm_release: str) -> str:
    candidates = [_first(src, k) for k in ("os-release VERSION", "os-release PRETTY_NAME",
                                           "lsb_release description", "lsb_release release")]
    # /etc/debian_version is Debian's own point release; on Ubuntu it reads "bookworm/sid".
    if distro == "debian":
        candidates.append(_first(src, "/etc/debian_version"))
    candidates.append(rpm_release)
    return most_precise(candidates, _first(src, "os-release VERSION_ID", "lsb_release release"))


def identify(ctx: CheckContext) -> OsIdentity | Outcome:
    """Build the host's identity, or an ``error`` outcome when the facts do not allow it."""
    src = _sources(ctx)
    rpm_release = _first(src, "/etc/redhat-release", "/etc/system-release")
    distro = canonical_distribution(
        _first(src, "os-release ID", "lsb_release distributor_id") or rpm_release)
    if not distro:
        return missing(ctx, "os.release", "os.lsb") or Outcome(
            Status.ERROR, msg("could not determine: the host does not name its distribution"))
    names = {canonical_distribution(src[k]) for k in
             ("os-release ID", "os-release NAME", "lsb_release distributor_id") if k in src}
    version = _precise_version(src, distro, rpm_release)
    if not version:
        return Outcome(Status.ERROR, msg("could not determine: the host reports no version "
                                         "number"),
                       {"sources": src})
    pretty = _first(src, "os-release PRETTY_NAME", "lsb_release description") or rpm_release
    stream = "stream" in (src.get("os-release NAME", "") + rpm_release).lower()
    names.add(distro)
    if rpm_release:
        names.add(canonical_distribution(rpm_release))
    return OsIdentity(distro, frozenset(names), version, pretty or f"{distro} {version}",
                      stream, src)


def _claim(ctx: CheckContext) -> tuple[str, str] | Outcome:
    distribution = text_param(ctx, "distribution")
    if isinstance(distribution, Outcome):
        return distribution
    version = text_param(ctx, "version")
    if isinstance(version, Outcome):
        return version
    return distribution, version


def _version_matches(ctx: CheckContext) -> Outcome:
    claim = _claim(ctx)
    if isinstance(claim, Outcome):
        return claim
    ident = identify(ctx)
    if isinstance(ident, Outcome):
        return ident
    want_distro, want_version = claim
    evidence = {"claimed": {"distribution": want_distro, "version": want_version},
                "actual": ident.as_evidence()}
    claimed = f"{want_distro} {want_version}"
    if canonical_distribution(want_distro) not in ident.names:
        return Outcome(Status.FAIL, msg("The host runs {actual}, not {claimed}.",
                                        actual=ident.pretty_name, claimed=claimed), evidence)
    relation = relate(want_version, ident.version)
    if relation in (Relation.EQUAL, Relation.CLAIM_BROADER):
        return Outcome(Status.PASS, msg("The host runs {actual} (version {version}), which "
                                        "matches the claimed {claimed}.",
                                        actual=ident.pretty_name, version=ident.version,
                                        claimed=claimed), evidence)
    if relation is Relation.ACTUAL_BROADER:
        return Outcome(Status.ERROR, msg("could not determine: the host reports only version "
                                         "{version}, so the claimed {claimed} cannot be "
                                         "confirmed.", version=ident.version, claimed=claimed),
                       evidence)
    if relation is Relation.UNPARSABLE:
        return Outcome(Status.ERROR, msg("could not determine: the claimed version {version} "
                                         "is not a version number.",
                                         version=repr(want_version)), evidence)
    return Outcome(Status.FAIL, msg("The host runs {actual} (version {version}), not the "
                                    "claimed {claimed}.", actual=ident.pretty_name,
                                    version=ident.version, claimed=claimed), evidence)


_PHASE_STATUS = {
    eol.SupportPhase.SUPPORTED: Status.PASS,
    eol.SupportPhase.EXTENDED: Status.WARN,
    eol.SupportPhase.EOL: Status.FAIL,
    eol.SupportPhase.UNTRACKED: Status.ERROR,
}


def _not_in_table(what: str) -> Outcome:
    return Outcome(Status.ERROR, msg("could not determine: {what} is not in the end-of-life "
                                     "table dated {date}.", what=what,
                                     date=eol.TABLE_DATE.isoformat()),
                   {"table_date": eol.TABLE_DATE.isoformat()})


def _eol_actual(ctx: CheckContext) -> Outcome:
    ident = identify(ctx)
    if isinstance(ident, Outcome):
        return ident
    entry = eol.lookup(ident.product, ident.version)
    if entry is None:
        return _not_in_table(f"{ident.pretty_name} ({ident.product} {ident.version})")
    status = eol.support_status(entry, scan_date(ctx))
    evidence = {"actual": ident.as_evidence(), "support": status.as_evidence(),
                "table": eol.entry_evidence(entry)}
    if status.phase is eol.SupportPhase.EXTENDED:
        text = msg("The host runs {product}, which {predicate} (whether this host is enrolled "
                   "is not checked).", product=entry.name, predicate=eol.predicate(status))
    else:
        text = msg("The host runs {product}, which {predicate}.", product=entry.name,
                   predicate=eol.predicate(status))
    return Outcome(_PHASE_STATUS[status.phase], text, evidence)


def _eol_claimed(ctx: CheckContext) -> Outcome:
    # Judged from the claim alone: promising an unsupported release is itself a finding.
    claim = _claim(ctx)
    if isinstance(claim, Outcome):
        return claim
    distro, version = claim
    product = canonical_distribution(distro)
    if product == "centos" and "stream" in distro.lower():
        product = "centos-stream"
    entry = eol.lookup(product, version)
    if entry is None:
        return _not_in_table(f"the claimed {distro} {version}")
    status = eol.support_status(entry, scan_date(ctx))
    evidence = {"claimed": {"distribution": distro, "version": version},
                "support": status.as_evidence(), "table": eol.entry_evidence(entry)}
    summary = msg("The statement promises {product}, which {predicate}.", product=entry.name,
                  predicate=eol.predicate(status))
    return Outcome(_PHASE_STATUS[status.phase], summary, evidence)


VERSION_MATCHES = Check(CheckMeta(
    id="os.version_matches",
    title="The operating system is the claimed distribution and version",
    claim_types=("os_version",),
    severity=Severity.MEDIUM,
    rationale="A statement that names the wrong operating system misleads everyone who relies "
              "on it for risk decisions; the host's own release files are the evidence.",
    remediation="Correct the statement to the release the host actually runs, or upgrade the "
                "host to the release the statement promises.",
    references=_REFERENCES,
    needs=_NEEDS,
), _version_matches)

EOL_ACTUAL = Check(CheckMeta(
    id="os.eol_actual",
    title="The operating system release still receives security updates",
    claim_types=("os_version",),
    severity=Severity.HIGH,
    rationale="A release past its end of life gets no security fixes; every vulnerability "
              "found after that date stays open.",
    remediation="Upgrade to a supported release of the distribution (or, as a stop-gap, enrol "
                "the host in the vendor's extended support and verify it is receiving updates).",
    references=(*_REFERENCES, "https://ubuntu.com/about/release-cycle",
                "https://wiki.debian.org/LTS",
                "https://access.redhat.com/support/policy/updates/errata"),
    needs=_NEEDS,
), _eol_actual)

EOL_CLAIMED = Check(CheckMeta(
    id="os.eol_claimed",
    title="The operating system release named in the statement is still supported",
    claim_types=("os_version",),
    severity=Severity.MEDIUM,
    rationale="Promising an unsupported release tells readers the service is built on software "
              "without security fixes, even if the host itself has been upgraded since.",
    remediation="Update the statement to name a supported release (and run one).",
    references=_REFERENCES,
    needs=("os.release",),
), _eol_claimed)

CHECKS = (VERSION_MATCHES, EOL_ACTUAL, EOL_CLAIMED)
"""The operating-system checks, in catalogue order."""

