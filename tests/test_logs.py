"""The service's log handler: lines written by a thread of their own, none lost, in a forked worker too."""

import io
import json
import logging
import os
import threading

from sentiment_service.logs import BackgroundStreamHandler, JsonFormatter


def handler_on(stream) -> tuple[logging.Logger, BackgroundStreamHandler]:
    handler = BackgroundStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test-background-{id(handler)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, handler


def test_every_line_from_many_threads_is_written_whole_once_flushed():
    stream = io.StringIO()
    logger, handler = handler_on(stream)

    def write(thread: int) -> None:
        for i in range(200):
            logger.info("line", extra={"writer": thread, "i": i})

    threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted((line["writer"], line["i"]) for line in lines) == [(t, i) for t in range(8) for i in range(200)]
    logger.info("after a flush the writer starts again")
    handler.flush()
    assert stream.getvalue().splitlines()[-1].endswith('"message": "after a flush the writer starts again"}')


def test_an_exception_is_formatted_in_the_thread_that_logs_it():
    stream = io.StringIO()
    logger, handler = handler_on(stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    handler.flush()
    line = json.loads(stream.getvalue())
    assert line["message"] == "failed" and "ValueError: boom" in line["exception"]


def test_a_forked_child_writes_with_a_writer_of_its_own(tmp_path):
    out = tmp_path / "log.jsonl"
    with out.open("w") as stream:
        logger, handler = handler_on(stream)
        logger.info("parent, before the fork")  # the parent's writer thread exists when the child is forked
        pid = os.fork()
        if pid == 0:
            logger.info("child")
            handler.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        logger.info("parent, after the fork")
        handler.flush()
    messages = [json.loads(line)["message"] for line in out.read_text().splitlines()]
    assert sorted(messages) == ["child", "parent, after the fork", "parent, before the fork"]
