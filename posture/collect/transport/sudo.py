"""Run a script as root through sudo without ever exposing the password.

sudo starts ``sh -c 'echo OK-MARKER; exec sh -s'``: seeing the marker on stdout proves that
sudo let us in, and only then is the script sent. The password is sent only after sudo
printed our random prompt (a NOPASSWD rule prints no prompt, and a password sent anyway would
be read by ``sh -s`` as a command), and on any failure stdin is closed at once so sudo cannot
read the script as a second password attempt.
"""

from __future__ import annotations

import secrets
import shlex
import time
from dataclasses import dataclass

from posture.collect.transport.sshio import ChannelPump, ExecResult
from posture.errors import SudoError
from posture.secret import Secret

# (kind, stderr fragments), first match wins: a wrong password also prints "no password was
# provided" once stdin is closed, so it must be recognised before needs_password.
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wrong_password", ("sorry, try again", "incorrect password")),
    ("not_allowed", ("is not in the sudoers file", "is not allowed to execute",
                     "is not allowed to run sudo", "may not run sudo")),
    ("requiretty", ("you must have a tty",)),
    ("needs_password", ("a password is required", "a terminal is required",
                        "no password was provided", "no tty present")),
)
_MESSAGES = {
    "wrong_password": "sudo rejected the password",
    "not_allowed": "the user may not run commands as root through sudo",
    "requiretty": "sudo requires a tty (Defaults requiretty); allow the audit user without one",
    "needs_password": "sudo asked for a password; set sudo_password_env or a NOPASSWD rule",
    "login_shell": "the login shell of the audit user did not run the audit command (a "
                   "nologin or false shell, or a start-up file that replaces the shell)",
    "error": "sudo failed",
}


@dataclass(frozen=True)
class SudoPlan:
    """The command line and the random markers of one sudo invocation."""

    command: str
    ok_marker: bytes  # the line sh prints once sudo let us in
    prompt: bytes  # our password prompt (empty for sudo -n)


def plan(*, with_password: bool) -> SudoPlan:
    """Build the sudo command; the markers are random so a target cannot forge them early."""
    token = secrets.token_hex(12)
    ok = f"posture-sudo-ok-{token}"
    inner = shlex.quote(f"echo {ok}; exec sh -s")
    if with_password:
        prompt = f"posture-sudo-prompt-{token}:"
        command = f"sudo -S -k -p {shlex.quote(prompt)} -- sh -c {inner}"
        return SudoPlan(command, ok.encode(), prompt.encode())
    return SudoPlan(f"sudo -n -- sh -c {inner}", ok.encode(), b"")


def classify(stderr: bytes) -> str:
    """The SudoError kind for what sudo printed (lectures and banners do not count)."""
    text = stderr.decode(errors="replace").lower()
    for kind, fragments in _KINDS:
        if any(f in text for f in fragments):
            return kind
    return "error"


def _failure(stderr: bytes, status: int | None, prompt: bytes,
             stdout: bytes = b"") -> SudoError:
    if prompt:
        stderr = stderr.replace(prompt, b"")
    kind = classify(stderr)
    if kind == "error" and b"sudo" not in (stderr + stdout).lower():
        # Nothing of sudo answered at all: the command never reached it.
        kind = "login_shell"
        stderr = stderr or stdout[:300]
    # Only sudo's own words are shown: trimmed, printable, never our stdin.
    said = " ".join(stderr.decode(errors="replace").split())[-300:]
    said = "".join(c for c in said if c.isprintable())
    detail = f" (exit {status}: {said})" if said else f" (exit {status})"
    return SudoError(kind, _MESSAGES[kind] + detail)


def _has_failed(pump: ChannelPump, prompt: bytes) -> bool:
    after_prompt = bytes(pump.err).replace(prompt, b"") if prompt else bytes(pump.err)
    return classify(after_prompt) != "error"


def run_as_root(pump: ChannelPump, sudo: SudoPlan, script: bytes, password: Secret | None,
                *, answer_within: float = 15.0) -> ExecResult:
    """Drive a channel already running ``sudo.command``; raise SudoError when refused.

    sudo must let us in or refuse within ``answer_within`` seconds (PAM delays a refusal by
    a few seconds); an unexpected prompt must not hold the whole command budget.
    """
    ok_line = sudo.ok_marker + b"\n"
    command_deadline = pump.deadline
    pump.deadline = min(command_deadline, time.monotonic() + answer_within)

    def let_in() -> bool:
        return ok_line in pump.out

    if password is not None and sudo.prompt:
        pump.pump_until(lambda: let_in() or sudo.prompt in pump.err or _has_failed(pump, b""))
        if not let_in() and sudo.prompt in pump.err:
            pump.send(password.reveal().encode() + b"\n")
            pump.pump_until(lambda: let_in() or _has_failed(pump, sudo.prompt))
    else:
        pump.pump_until(let_in)
    if not let_in():
        pump.close_stdin()  # EOF: sudo gets no second try, and the script was never sent
        answered_late = pump.timed_out and pump.deadline < command_deadline
        result = pump.finish()
        if answered_late:
            raise SudoError("error", f"sudo neither let us in nor refused within "
                                     f"{answer_within:g} s (an unexpected prompt?)")
        if result.timed_out:
            return result
        raise _failure(result.stderr, result.exit_status, sudo.prompt, result.stdout)
    pump.deadline = command_deadline
    del pump.out[: pump.out.index(ok_line) + len(ok_line)]
    pump.send(script, then_close=True)
    result = pump.finish()
    stderr = result.stderr.replace(sudo.prompt, b"") if sudo.prompt else result.stderr
    return ExecResult(result.stdout, stderr, result.exit_status, result.timed_out,
                      result.truncated, result.duration_s)
