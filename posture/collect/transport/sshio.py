"""Drive one exec channel: feed stdin, drain stdout and stderr together, enforce limits.

Everything the target sends is hostile: output is capped (the channel is closed at the cap,
so endless output cannot grow memory), and every wait is bounded by a deadline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import paramiko

from posture.collect.transport.execresult import (
    DEFAULT_MAX_STDERR,
    DEFAULT_MAX_STDOUT,
    ExecResult,
    clean_error,
)
from posture.collect.transport.news import ChannelNews

__all__ = ["DEFAULT_MAX_STDERR", "DEFAULT_MAX_STDOUT", "ChannelPump", "ExecResult", "clean_error"]

_CHUNK = 32768
_CLOSE_GRACE = 1.0  # seconds a stopped command gets to end its channel after TERM
_POLL = 0.05  # longest sleep while stdin is waiting for window space


class ChannelPump:
    """Moves bytes between us and one started exec channel until it ends or a limit hits."""

    def __init__(self, channel: paramiko.Channel, *, deadline: float, max_stdout: int,
                 max_stderr: int) -> None:
        self.channel = channel
        self.deadline = deadline
        self.out = bytearray()
        self.err = bytearray()
        self.truncated = False
        self.timed_out = False
        self.started = time.monotonic()
        self._caps = (max_stdout, max_stderr)
        self._pending = b""
        self._close_after = False
        self._stdin_closed = False
        self._news = ChannelNews(channel)  # never channel.fileno(): see transport/news.py

    def send(self, data: bytes, *, then_close: bool = False) -> None:
        """Queue ``data`` for the remote stdin; with ``then_close`` send EOF after it."""
        self._pending += data
        self._close_after = self._close_after or then_close

    def close_stdin(self) -> None:
        """Send EOF now, dropping anything still queued."""
        self._pending = b""
        if not self._stdin_closed:
            self._stdin_closed = True
            if not self.channel.closed:
                self.channel.shutdown_write()

    @property
    def stopped(self) -> bool:
        """True once no more output will be read (finished, capped or out of time)."""
        return self.truncated or self.timed_out or self._finished()

    def _finished(self) -> bool:
        chan = self.channel
        drained = not (chan.recv_ready() or chan.recv_stderr_ready())
        return drained and (chan.closed or (bool(chan.eof_received) and chan.exit_status_ready()))

    def _write(self) -> None:
        chan = self.channel
        while self._pending and chan.send_ready():
            try:
                sent = chan.send(self._pending[:_CHUNK])
            except OSError:  # the remote side closed the channel: nobody reads stdin any more
                sent = 0
            if sent <= 0:
                self._pending = b""
                break
            self._pending = self._pending[sent:]
        if not self._pending and self._close_after:
            self.close_stdin()

    def _read(self) -> None:
        chan = self.channel
        for ready, recv, buf, cap in ((chan.recv_ready, chan.recv, self.out, self._caps[0]),
                                      (chan.recv_stderr_ready, chan.recv_stderr, self.err,
                                       self._caps[1])):
            while ready() and not self.truncated:
                data = recv(_CHUNK)
                if not data:
                    break
                room = cap - len(buf)
                buf += data[:room]
                if len(data) > room:
                    self.truncated = True  # stop at the cap; the channel is closed by finish()

    def _wait(self) -> None:
        """Sleep until the channel has news, the deadline passes, or stdin may move on."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.timed_out = True
            return
        chan = self.channel
        if chan.eof_received:
            # The pipe stays readable after EOF, so wait on the exit-status event instead.
            chan.status_event.wait(min(remaining, _POLL))
            return
        self._news.wait(min(remaining, _POLL if self._pending else 1.0))

    def pump_until(self, condition: Callable[[], bool]) -> bool:
        """Move bytes until ``condition()`` holds (True) or the channel stops (False)."""
        while True:
            self._write()
            self._read()
            if condition():
                return True
            if self.stopped:
                return False
            self._wait()

    def _discard_until_closed(self, grace: float) -> None:
        """After TERM, read and drop output until the server ends the channel (or ``grace``).

        Closing a channel while the server is still sending into a full window races with
        sshd's own close; letting it finish first keeps the connection usable for the other
        batch. Nothing read here is kept, so memory stays bounded.
        """
        chan = self.channel
        until = time.monotonic() + grace
        while time.monotonic() < until and not (chan.closed or chan.eof_received):
            got = False
            for ready, recv in ((chan.recv_ready, chan.recv),
                                (chan.recv_stderr_ready, chan.recv_stderr)):
                while ready():
                    got = bool(recv(_CHUNK)) or got
            if not got:
                self._news.wait(min(0.05, max(0.0, until - time.monotonic())))

    def finish(self) -> ExecResult:
        """Run to the end (or a limit) and close the channel."""
        self.pump_until(lambda: False)
        chan = self.channel
        if self.truncated or self.timed_out:
            _signal(chan, "TERM")
            self._discard_until_closed(_CLOSE_GRACE)
        status: int | None = None
        if not (self.truncated or self.timed_out) and chan.exit_status_ready():
            raw = chan.recv_exit_status()
            status = raw if raw >= 0 else None  # -1: the server sent no status (killed)
        chan.close()
        return ExecResult(bytes(self.out), bytes(self.err), status, self.timed_out,
                          self.truncated, round(time.monotonic() - self.started, 3))


def _signal(channel: paramiko.Channel, name: str) -> None:
    """Ask sshd to signal the command (RFC 4254 6.9), so a stopped command does not linger.

    paramiko has no public call for this request; it is best effort and never raises.
    """
    send = getattr(channel.transport, "_send_user_message", None)
    if channel.closed or send is None:
        return
    message = paramiko.Message()
    message.add_byte(paramiko.common.cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string("signal")
    message.add_boolean(False)
    message.add_string(name)
    with contextlib.suppress(paramiko.SSHException, OSError, EOFError):
        send(message)
