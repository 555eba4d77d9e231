"""Stop a listening TCP socket from taking new connections while keeping the ones the kernel already has.

Closing a listener resets every connection still in its accept queue, and the kernel completes new
handshakes into that queue up to the moment of the close: a client whose connection landed there has
already sent its request and sees ECONNRESET. A socket filter that drops incoming SYNs closes that
window: new clients get no handshake (their SYN is retried, and refused once the socket is closed),
while handshakes already under way complete and are accepted before the close.
"""

import ctypes
import multiprocessing
import socket
import struct

# Classic BPF, run on each TCP segment for this socket with the TCP header at offset 0:
# drop a segment whose flags have SYN set and ACK clear (a new connection), accept everything else.
_DROP_NEW_CONNECTIONS = (
    (0x30, 0, 0, 13),          # ldb [13]        TCP flags byte
    (0x54, 0, 0, 0x12),        # and #0x12       keep SYN and ACK
    (0x15, 1, 0, 0x02),        # jeq #0x02       SYN without ACK -> drop
    (0x06, 0, 0, 0xFFFFFFFF),  # ret #-1         accept the whole segment
    (0x06, 0, 0, 0),           # ret #0          drop
)
_SO_ATTACH_FILTER = getattr(socket, "SO_ATTACH_FILTER", 26)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


_PROGRAM = (_SockFilter * len(_DROP_NEW_CONNECTIONS))(*(_SockFilter(*op) for op in _DROP_NEW_CONNECTIONS))

# Shared memory, created by the gunicorn master in its when_ready hook (before it forks any worker, so every
# worker shares it): set when the whole server stops. Only then may a worker stop new connections on the
# listening socket that all workers share; when one worker is replaced or the server reloads, its siblings go
# on accepting on that same socket. None outside gunicorn (and in a worker of a master that never set it up).
_server_stopping = None


def mark_server_stopping_on_stop(arbiter) -> None:
    """For gunicorn's when_ready hook: create the shared flag, and set it as the master begins a full stop."""
    global _server_stopping
    flag = _server_stopping = multiprocessing.RawValue("b", 0)
    stop = arbiter.stop

    def stop_and_mark(graceful: bool = True) -> None:
        flag.value = 1
        stop(graceful)

    arbiter.stop = stop_and_mark


def server_is_stopping() -> bool:
    """True once the master has begun a full stop (see mark_server_stopping_on_stop)."""
    return _server_stopping is not None and bool(_server_stopping.value)


def refuse_new_connections(listener: socket.socket) -> bool:
    """Attach the SYN-dropping filter; False where the platform has no socket filters (then only close)."""
    program = struct.pack("HL", len(_DROP_NEW_CONNECTIONS), ctypes.addressof(_PROGRAM))
    try:
        listener.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, program)
    except OSError:
        return False
    return True
