"""The gunicorn internals the server package relies on (server/gunicorn_internals.py) are still there."""

import concurrent.futures
import inspect

import gunicorn
import gunicorn.http.wsgi
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import PollableMethodQueue, TConn, ThreadWorker

from sentiment_service.server.gunicorn_internals import CHECKED_VERSION
from tests.integration.gunicorn_process import ROOT


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_pinned_gunicorn_is_the_one_the_internals_were_checked_against():
    pinned = next(line.split("==")[1].strip() for line in (ROOT / "app/requirements.txt").read_text().splitlines()
                  if line.startswith("gunicorn=="))
    assert gunicorn.__version__ == pinned == CHECKED_VERSION, (
        "gunicorn changed: re-check every item of sentiment_service/server/gunicorn_internals.py, then update CHECKED_VERSION")


def test_thread_worker_methods_the_drain_overrides_or_calls():
    assert parameters(ThreadWorker.handle_exit) == ["self", "sig", "frame"]
    assert parameters(ThreadWorker.set_accept_enabled) == ["self", "enabled"]
    assert parameters(ThreadWorker.enqueue_req) == ["self", "conn"]
    assert parameters(ThreadWorker.finish_request) == ["self", "conn", "fs"]
    assert parameters(TConn.__init__) == ["self", "cfg", "sock", "client", "server"]
    assert parameters(TConn.close) == ["self", "graceful"]
    assert parameters(ThreadWorker.accept) == ["self", "listener"]
    assert "conn.close(graceful=True)" in inspect.getsource(ThreadWorker.finish_request), \
        "finish_request() must close a connection it does not keep through TConn.close(graceful=True)"
    assert parameters(PollableMethodQueue.defer) == ["self", "callback", "args"]
    run = inspect.getsource(ThreadWorker.run)
    assert run.index("while self.alive") < run.index("self.set_accept_enabled(False)"), \
        "run() must close accepting after its main loop: the drain takes the backlog there"


def test_thread_worker_attributes_the_drain_reads():
    source = inspect.getsource(ThreadWorker) + inspect.getsource(Worker)
    for attribute in ("alive", "wsgi", "sockets", "nr_conns", "method_queue", "tpool", "log", "cfg"):
        assert f"self.{attribute}" in source, attribute
    assert "self._work_queue" in inspect.getsource(concurrent.futures.ThreadPoolExecutor)


def test_a_worker_installs_its_signal_handlers_before_it_loads_the_app():
    source = inspect.getsource(Worker.init_process)
    assert source.index("self.init_signals()") < source.index("self.load_wsgi()")


def test_the_arbiter_stop_that_is_wrapped():
    assert parameters(Arbiter.stop) == ["self", "graceful"]
    assert inspect.signature(Arbiter.stop).parameters["graceful"].default is True
    assert "self.stop()" in inspect.getsource(Arbiter.halt)
    stop = inspect.getsource(Arbiter.stop)
    assert stop.index("close_sockets") < stop.index("self.kill_workers(sig)")


def test_the_server_header_is_a_module_attribute():
    assert isinstance(gunicorn.http.wsgi.SERVER, str)
