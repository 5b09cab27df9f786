"""Wake a waiter when an SSH channel has data or closes, without paramiko's OS pipe.

``paramiko.Channel.fileno()`` makes an OS pipe that the transport thread writes one byte into
whenever data arrives on the channel. Closing the channel in another thread closes that pipe,
and a write racing the close fails with EPIPE *in the transport thread*, which ends the whole
SSH connection: every other channel of the host with it (seen as "the SSH connection to the
host was lost" midway through a scan that tunnels to many databases). So posture never calls
``fileno()`` on a channel: :class:`ChannelNews` hands the channel's buffers a plain
:class:`threading.Event` instead, which no close can break.
"""

from __future__ import annotations

import threading

import paramiko


class _Hook(threading.Event):
    """What a paramiko ``BufferedPipe`` calls on its event: ``set`` on data or close, ``clear``
    when drained. Both are passed to one shared event, but clearing is left to the waiter, so
    that stdout running dry cannot hide news on stderr (both buffers share the event)."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self._event = event

    def set(self) -> None:
        """Wake the waiter."""
        self._event.set()

    def clear(self) -> None:
        """Ignored: see the class docstring."""


class ChannelNews:
    """News of ``channel``: data on stdout or stderr, end of file, or close."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self._event = threading.Event()
        hook = _Hook(self._event)
        # set_event is the buffers' own hook (Channel.fileno() plugs its pipe in there); it
        # sets the event at once when data is already waiting or the buffer is closed.
        channel.in_buffer.set_event(hook)
        channel.in_stderr_buffer.set_event(hook)

    def wait(self, timeout: float) -> bool:
        """Sleep until there is news or ``timeout`` seconds pass; True when there was news.

        The news is consumed: read everything available after this returns, since data that
        arrives from now on wakes the next wait.
        """
        fired = self._event.wait(max(0.0, timeout))
        self._event.clear()
        return fired
