"""What of gunicorn's internals the server package relies on, in one list, checked by tests/server/test_gunicorn_internals.py.

gunicorn documents its hooks and settings, not its worker classes. The drain (worker.py, listener.py) and the
Server header (hooks.py) lean on these, so each gunicorn upgrade must re-check them: the test pins the version
they were checked against and fails on any other, and checks each item below by introspection.

- `gunicorn.workers.gthread.ThreadWorker`: subclassed; `handle_exit(sig, frame)` overridden as the SIGTERM
  handler; `set_accept_enabled(enabled)` called by `run()` with False after its main loop (where the backlog is
  taken and the listener closed); `enqueue_req(conn)` and `finish_request(conn, fs)` overridden for gauges; the
  attributes `alive`, `wsgi`, `sockets`, `nr_conns`, `method_queue` (a `PollableMethodQueue` whose `defer()` a
  signal handler may call), `log`, `cfg`, and `tpool` (a `concurrent.futures.ThreadPoolExecutor`, whose private
  `_work_queue` gives the requests waiting for a thread).
- `gunicorn.workers.gthread.ThreadWorker.accept(listener)`: replaced (accept, count in `nr_conns`, blocking,
  a connection, `enqueue_req`), to build the connections that close off the main loop.
- `gunicorn.workers.gthread.TConn(cfg, sock, client, server)`: subclassed for each connection; `close(graceful)`
  is what `finish_request()` calls on the main loop with `graceful=True` for a connection it does not keep.
- `gunicorn.workers.base.Worker.init_process()` installs the signal handlers before it loads the app, so a
  worker still loading has its SIGTERM handler and `wsgi` is not yet set.
- `gunicorn.arbiter.Arbiter.stop(graceful=True)` closes the master's listeners, then signals the workers; it is
  replaced on the arbiter instance in `when_ready` (listener.py), and `halt()` reaches it as `self.stop()`.
- `gunicorn.http.wsgi.SERVER`: the module attribute gunicorn writes as the Server header.
"""

# The gunicorn release the list above was checked against (app/requirements.txt pins it).
CHECKED_VERSION = "27.0.1"
