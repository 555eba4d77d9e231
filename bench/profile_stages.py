"""Group a py-spy profile of a worker by stage of the request path, to see where its busy time goes.

    py-spy record -p <worker pid> -d 10 -r 200 -f raw --threads -o worker.txt   # while `make bench` or wrk loads it
    .venv/bin/python -m bench.profile_stages worker.txt

py-spy's raw output has one line per distinct stack, innermost frame last, and a sample count. Each stack is
given to the stage of its innermost frame that belongs to one (walking outwards), so time inside a library
that a stage calls (onnxruntime under the engine, the json module under Flask) counts for that stage. Idle
threads are not sampled (py-spy leaves them out unless --idle), so the shares are of busy time.
"""

import argparse
import re
from collections import Counter
from pathlib import Path

# (stage, pattern on "function (file:line)"), tried in order for each frame from the innermost outwards.
STAGES = [
    # A frame reads "function (file:line)".
    ("onnxruntime inference", re.compile(r"onnxruntime")),
    ("tokenizing", re.compile(r"tokenizers|^encode(_batch)? \(.*engine\.py")),
    ("padding, softmax, building predictions (numpy)", re.compile(r"engine\.py|numpy")),
    ("admission and batching (queue, chunking, futures, conditions)",
     re.compile(r"batcher\.py|batching\.py|admission\.py|concurrent/futures|threading\.py")),
    ("Prometheus metrics", re.compile(r"prometheus_client|metrics\.py|observer")),
    ("access log", re.compile(r"request_log\.py|logging/|logs\.py")),
    ("JSON and validation (json, pydantic, schemas)", re.compile(r"json|pydantic|schemas\.py|body\.py")),
    ("Flask and werkzeug", re.compile(r"flask|werkzeug|routes\.py|responses\.py")),
    ("gunicorn HTTP parsing and socket I/O", re.compile(r"gunicorn|socket|selectors")),
]
OTHER = "other"
# A stack ending here is a thread waiting: for a connection to serve (the gthread pool's idle threads, queue
# get) or on a condition. py-spy cannot always tell a thread blocked there from one waking up and waiting
# for the GIL, so these are counted apart from the busy samples.
WAITING = re.compile(r"^(_worker \(concurrent/futures/thread\.py|wait \(threading\.py|select \(selectors\.py)")
WAITING_STAGE = "waiting (idle pool threads, conditions, poll), not counted as busy"


def stage_of(stack: str) -> str:
    frames = stack.split(";")[1:]  # the first entry names the thread
    if frames and WAITING.search(frames[-1]):
        return WAITING_STAGE
    for frame in reversed(frames):
        for stage, pattern in STAGES:
            if pattern.search(frame):
                return stage
    return OTHER


def shares(raw: str) -> Counter:
    counts: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[stage_of(stack)] += int(count)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", type=Path, nargs="+", help="py-spy raw files (one per worker), summed")
    args = parser.parse_args()
    counts: Counter = sum((shares(p.read_text()) for p in args.profiles), Counter())
    waiting = counts.pop(WAITING_STAGE, 0)
    total = sum(counts.values()) or 1
    print("| stage | share of the worker's busy samples |\n|---|---:|")
    for stage, count in counts.most_common():
        print(f"| {stage} | {100 * count / total:.1f}% |")
    print(f"\n{total} busy samples; {waiting} more in threads waiting (idle pool threads, conditions, poll)")


if __name__ == "__main__":
    main()
