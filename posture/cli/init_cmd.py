"""``posture init``: write a commented starter inventory from a few answers or flags.

Interactive on a terminal (a handful of questions, defaults in brackets); with
``--non-interactive`` (or without a terminal) only the flags count, for scripts. The text is
validated by the inventory loader before anything is written, and an existing file is never
overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from posture.errors import UsageError
from posture.inventory import load_inventory

Ask = Callable[[str, str], str]  # (question, default) -> answer

# Claim types that need only hosts, with an example 'expect' to edit.
CLAIM_TEMPLATES: dict[str, tuple[str, str]] = {
    "os_version": ("Our servers run Debian 12.", '{distribution: debian, version: "12"}'),
    "apache_version": ("The web server is Apache 2.4.", '{version: "2.4"}'),
    "web_server_version": ("The web server is nginx 1.22.", '{product: nginx, version: "1.22"}'),
    "password_rotation": ("Server passwords are changed every three months.",
                          "{max_age_days: 90}"),
    "encrypted_admin_channels": ("Administration happens over SSH/SFTP or HTTPS only.", ""),
    "ip_allowlist": ("Direct connections are only possible from known IP addresses.",
                     "{ssh: [198.51.100.7/32]}"),
}


@dataclass
class Answers:
    """What the inventory is built from."""

    organisation: str = "My organisation"
    hosts: list[tuple[str, str]] = field(default_factory=list)  # (name, address)
    user: str = "auditor"
    key_file: str = ""
    known_hosts: str = "~/.ssh/known_hosts"
    sudo: bool = True
    connection: str = "ssh"
    claims: list[str] = field(default_factory=lambda: ["os_version", "password_rotation"])


def parse_host(text: str) -> tuple[str, str]:
    """``NAME=ADDRESS`` (or just ``ADDRESS``, which is then the name too)."""
    name, sep, address = text.strip().partition("=")
    if not sep:
        address = name
    if not name or not address:
        raise UsageError(f"--host: expected NAME=ADDRESS, got {text!r}")
    return name.strip(), address.strip()


def _claims(text: str) -> list[str]:
    chosen = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CLAIM_TEMPLATES]
    if unknown:
        raise UsageError(f"--claims: {unknown[0]!r} is not offered by init; choose from "
                         f"{', '.join(CLAIM_TEMPLATES)}")
    return chosen


def from_flags(args: argparse.Namespace) -> Answers:
    """Answers from the command line alone."""
    answers = Answers(hosts=[parse_host(h) for h in args.host or []])
    for attr in ("organisation", "user", "key_file", "known_hosts", "connection"):
        if getattr(args, attr, None):
            setattr(answers, attr, getattr(args, attr))
    if args.no_sudo:
        answers.sudo = False
    if args.claims is not None:
        answers.claims = _claims(args.claims)
    return answers


def interview(answers: Answers, ask: Ask) -> Answers:
    """Ask the few questions, starting from ``answers`` (flags given count as defaults)."""
    answers.organisation = ask("Organisation", answers.organisation)
    while True:
        default = ",".join(f"{n}={a}" for n, a in answers.hosts)
        text = ask("Hosts to audit (NAME=ADDRESS, comma separated)", default)
        try:
            answers.hosts = [parse_host(h) for h in text.split(",") if h.strip()]
        except UsageError as exc:
            print(f"  {exc}", file=sys.stderr)
            continue
        if answers.hosts:
            break
    answers.user = ask("SSH user for the audit", answers.user)
    answers.key_file = ask("SSH private key file (empty: use the SSH agent)", answers.key_file)
    answers.sudo = ask("Use sudo -n for root facts? (y/n)", "y" if answers.sudo else "n")[:1] \
        .lower() != "n"
    text = ask(f"Claims ({', '.join(CLAIM_TEMPLATES)})", ",".join(answers.claims))
    answers.claims = _claims(text)
    return answers


def render(a: Answers) -> str:
    """The inventory text, with comments that explain each part."""
    ssh = [f"    user: {json.dumps(a.user)}",
           f"    known_hosts: {json.dumps(a.known_hosts)}   # keys are verified; unknown = error",
           f"    sudo: {'true' if a.sudo else 'false'}                 # sudo -n for root facts"]
    ssh.insert(1, f"    key_file: {json.dumps(a.key_file)}" if a.key_file
               else "    agent: true                # keys from ssh-agent (SSH_AUTH_SOCK)")
    out = ["# posture inventory written by 'posture init'. Edit freely; check it with",
           "#   posture inventory validate THIS_FILE",
           "# Secrets never go here: use key files, the agent, or *_env variable names.",
           "version: 1", f"organisation: {json.dumps(a.organisation)}", "",
           "defaults:", "  ssh:", *ssh, "", "hosts:"]
    for name, address in a.hosts:
        out += [f"  - name: {json.dumps(name)}", f"    address: {json.dumps(address)}"]
        if a.connection != "ssh":
            out.append(f"    connection: {a.connection}")
    names = ", ".join(json.dumps(n) for n, _ in a.hosts)
    out += ["", "# What you promise; each claim is verified with evidence. Edit 'expect' to",
            "# what you actually claim, and 'scope' to the hosts it is about.", "claims:"]
    if not a.claims:
        out[-1] = "claims: []"
    for claim_type in a.claims:
        says, expect = CLAIM_TEMPLATES[claim_type]
        out += [f"  - id: {claim_type.replace('_', '-')}", f"    says: {json.dumps(says)}",
                f"    type: {claim_type}"]
        if expect:
            out.append(f"    expect: {expect}")
        out.append(f"    scope: {{hosts: [{names}]}}")
    return "\n".join(out) + "\n"


def _terminal_ask(question: str, default: str) -> str:
    answer = input(f"{question} [{default}]: ").strip()
    return answer or default


def init_command(args: argparse.Namespace, ask: Ask | None = None) -> int:
    """Build, validate and write the inventory; returns an exit code."""
    answers = from_flags(args)
    interactive = not args.non_interactive and (ask is not None or sys.stdin.isatty())
    if interactive:
        answers = interview(answers, ask or _terminal_ask)
    if not answers.hosts:
        raise UsageError("init: give at least one --host NAME=ADDRESS (or answer the prompts)")
    path = Path(args.output).expanduser()
    if path.exists() and not args.force:
        raise UsageError(f"init: {path} exists; use --force to replace it")
    text = render(answers)
    load_inventory(path, text=text)  # raises InventoryError (exit 3) before writing
    path.parent.mkdir(parents=True, exist_ok=True)
    from posture.cli.output import write_private

    write_private(path, text.encode("utf-8"), mode=0o644)
    print(f"wrote {path}: {len(answers.hosts)} host(s), {len(answers.claims)} claim(s); "
          f"next: posture scan -i {path} --dry-run")
    return 0
