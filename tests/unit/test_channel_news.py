"""Channels are waited on and bridged without paramiko's OS pipe (``Channel.fileno()``).

The pipe's write from the transport thread races with closing the channel; the EPIPE it
raises ends the whole SSH connection. These tests drive the bridge, the exec pump and the
wake-up with paramiko's real channel buffers, a channel whose ``fileno()`` fails the test, and
a feeder thread standing in for the transport thread.
"""

from __future__ import annotations

import socket
import threading
import time

from paramiko.buffered_pipe import BufferedPipe, PipeTimeout

from posture.collect.db.bridge import ChannelBridge
from posture.collect.transport.news import ChannelNews
from posture.collect.transport.sshio import ChannelPump


class FakeChannel:
    """The parts of ``paramiko.Channel`` the bridge and the pump use, on real buffers."""

    def __init__(self) -> None:
        self.in_buffer: BufferedPipe[bytes] = BufferedPipe()
        self.in_stderr_buffer: BufferedPipe[bytes] = BufferedPipe()
        self.sent = bytearray()
        self.closed = False
        self.timeout: float | None = None

    def fileno(self) -> int:
        raise AssertionError("fileno() makes paramiko's racy OS pipe")

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def recv(self, size: int) -> bytes:
        try:
            return bytes(self.in_buffer.read(size, self.timeout))
        except PipeTimeout:
            raise TimeoutError from None

    def send(self, data: bytes) -> int:
        if self.closed:
            raise OSError("Socket is closed")
        self.sent += data
        return len(data)

    def close(self) -> None:
        self.closed = True
        self.in_buffer.close()
        self.in_stderr_buffer.close()


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    sock.settimeout(5)
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, f"closed after {len(data)} of {size} bytes"
        data += chunk
    return data


def test_the_bridge_copies_both_ways_without_a_channel_descriptor() -> None:
    channel = FakeChannel()
    bridge = ChannelBridge(channel)  # type: ignore[arg-type]
    payload = bytes(range(256)) * 1000  # more than one chunk and one socket buffer
    feeder = threading.Thread(target=lambda: [channel.in_buffer.feed(payload[i:i + 4096])
                                              for i in range(0, len(payload), 4096)])
    feeder.start()
    assert _read_exactly(bridge.socket, len(payload)) == payload
    feeder.join()
    bridge.socket.sendall(b"SELECT 1")
    deadline = time.monotonic() + 5
    while bytes(channel.sent) != b"SELECT 1" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(channel.sent) == b"SELECT 1"
    bridge.close()
    assert channel.closed


def test_the_server_ending_closes_the_local_socket() -> None:
    channel = FakeChannel()
    bridge = ChannelBridge(channel)  # type: ignore[arg-type]
    channel.in_buffer.feed(b"bye")
    channel.in_buffer.close()  # the server's end of file
    assert _read_exactly(bridge.socket, 3) == b"bye"
    assert bridge.socket.recv(10) == b""
    bridge.close()


def test_closing_while_data_arrives_never_fails_the_feeding_thread() -> None:
    failures: list[BaseException] = []
    for _ in range(50):
        channel = FakeChannel()
        bridge = ChannelBridge(channel)  # type: ignore[arg-type]
        stop = threading.Event()

        def feed(channel: FakeChannel = channel, stop: threading.Event = stop) -> None:
            try:
                while not stop.is_set():
                    channel.in_buffer.feed(b"x" * 512)
            except BaseException as exc:  # noqa: BLE001 - what the transport thread would see
                failures.append(exc)

        feeder = threading.Thread(target=feed)
        feeder.start()
        bridge.close()
        stop.set()
        feeder.join()
    assert failures == []


def test_news_wakes_on_either_stream_and_is_consumed() -> None:
    channel = FakeChannel()
    news = ChannelNews(channel)  # type: ignore[arg-type]
    assert news.wait(0.01) is False
    channel.in_stderr_buffer.feed(b"warning")
    channel.in_buffer.feed(b"out")
    channel.in_buffer.read(3)  # stdout drained: its clear must not hide stderr's news
    assert news.wait(0.01) is True
    assert news.wait(0.01) is False  # consumed
    threading.Timer(0.05, lambda: channel.in_buffer.feed(b"later")).start()
    started = time.monotonic()
    assert news.wait(5) is True and time.monotonic() - started < 2
    channel.close()
    assert news.wait(0.01) is True  # a close is news too


def test_the_exec_pump_asks_for_no_descriptor() -> None:
    ChannelPump(FakeChannel(), deadline=time.monotonic() + 1,  # type: ignore[arg-type]
                max_stdout=10, max_stderr=10)
