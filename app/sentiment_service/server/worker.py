"""The gunicorn worker: gthread, with a drain that resets no connection, and gauges for what waits.

Why a drain needs more than gthread's own: on SIGTERM a gthread worker stops polling its listening
socket but keeps it open until it exits, and so does every sibling worker. The kernel goes on completing
handshakes into the listen backlog that nobody accepts any more, and resets them all when the last copy
closes: clients that had already sent their request see ECONNRESET. Here a stopping worker first turns
/ready to 503 and keeps serving for DRAIN_DELAY_S (load balancers notice), then accepts whatever is
already in the backlog, closes its copy of the listener at once, and finishes every accepted request.
When the whole server stops, new handshakes are stopped first (listener.py), so that none can land in
the backlog between the last accept and the close. Once every process has closed the socket, new
connections are refused, which clients and balancers retry safely.

What of gunicorn's gthread worker this relies on is listed in gunicorn_internals.py.
"""

import errno
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gunicorn.workers.gthread import TConn, ThreadWorker

from sentiment_service import metrics
from sentiment_service.server.listener import refuse_new_connections, server_is_stopping

# After new handshakes are stopped, how long those already under way get to complete (a round trip)
# before the backlog is accepted for the last time.
HANDSHAKE_GRACE_S = 0.2
# Threads that close connections gracefully, off the main loop (ClosingOffTheLoop). Each close lingers at most
# 2 s (gunicorn's close_graceful); a few threads keep up with hundreds of closes a second.
CLOSING_THREADS = 4


class ClosingOffTheLoop(TConn):
    """A connection whose graceful close runs on a closing thread, not on the worker's main loop.

    gthread closes a connection that may not be kept alive (a 429 sent before its body was read, a client that
    asked to close) on its main loop, gracefully: it half-closes, then reads what the client still sends, for up
    to 2 s, before it closes. A client still sending a 100 KB body held the loop that long, and every probe and
    every other request of the worker waited behind it (a /health that is answered in 0.2 ms took 1.8 s)."""

    closer: ThreadPoolExecutor | None = None  # set by the worker, once per process

    def close(self, graceful=False):
        if graceful and self.closer is not None:
            self.closer.submit(TConn.close, self, True)
        else:
            super().close(graceful)


class DrainingThreadWorker(ThreadWorker):
    def init_process(self):
        # Here, after the fork: an executor's threads belong to the process that starts them.
        ClosingOffTheLoop.closer = ThreadPoolExecutor(CLOSING_THREADS, thread_name_prefix="close")
        super().init_process()

    def accept(self, listener):
        """gthread's accept, with connections that close off the main loop."""
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self._enqueue_accepted(client, address, listener)

    def _enqueue_accepted(self, client, address, listener):
        self.nr_conns += 1
        client.setblocking(True)
        self.enqueue_req(ClosingOffTheLoop(self.cfg, client, address, listener.getsockname()))

    def handle_exit(self, sig, frame):
        """SIGTERM: hand the drain to the main loop; the signal handler itself only sets flags.

        A signal handler runs on the main thread between two bytecodes, wherever that thread is, and may
        take no lock the main thread might already hold: prometheus-client's multiprocess values share one
        plain Lock, which the main thread holds in every gauge write of _report_waiting(). A gauge write
        here, while the main thread was inside one, deadlocked the worker: it never closed its copy of the
        listener, and its siblings' SYN filter then left new clients hanging until the master's SIGKILL.
        The method queue (a SimpleQueue and a pipe) is safe to use from a signal handler.
        """
        if not self.alive or getattr(self, "_draining", False):
            return
        self._draining = True
        if getattr(self, "wsgi", None) is None:  # still loading its app: it has accepted nothing, so just stop
            self._stop_accepting()
            return
        self.method_queue.defer(self._begin_drain)

    def _begin_drain(self):
        """On the main loop: report draining now, stop accepting after the drain delay."""
        state = self.wsgi.state
        state.drain()
        metrics.DRAINING.set(1)
        delay_s = state.settings.drain_delay_s
        self.log.info("draining: /ready is 503; accepting for %d s more", delay_s)
        if delay_s:
            timer = threading.Timer(delay_s, self.method_queue.defer, args=(self._stop_accepting,))
            timer.daemon = True
            timer.start()
        else:
            self._stop_accepting()

    def _stop_accepting(self):
        ThreadWorker.handle_exit(self, None, None)

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            self._accept_backlog_and_close()

    def _accept_backlog_and_close(self):
        """Take every connection the kernel already completed, then close this copy of the listener."""
        if server_is_stopping() and any([refuse_new_connections(s.sock) for s in self.sockets if s.sock is not None]):
            time.sleep(HANDSHAKE_GRACE_S)
        for listener in self.sockets:
            if listener.sock is None:
                continue
            listener.setblocking(False)
            while True:
                try:
                    client, address = listener.accept()
                except (BlockingIOError, InterruptedError, OSError):
                    break
                self._enqueue_accepted(client, address, listener)
            # Only close: shutdown() would act on the socket that sibling workers share and reset their backlog.
            listener.close()

    def enqueue_req(self, conn):
        super().enqueue_req(conn)
        self._report_waiting()

    def finish_request(self, conn, fs):
        super().finish_request(conn, fs)
        self._report_waiting()

    def _report_waiting(self):
        # Both run on the worker's main thread, once per request: two gauge writes.
        metrics.OPEN_CONNECTIONS.set(self.nr_conns)
        metrics.WAITING_FOR_THREAD.set(self.tpool._work_queue.qsize())
