-- wrk script: POST the JSON bodies of a file (one per line) in turn, count answers by status, and print
-- one JSON line at the end. Arguments after `--`: <bodies file> <path>.
--   wrk -t1 -c16 -d10s -s bench/wrk_bodies.lua http://127.0.0.1:8000 -- bodies.jsonl /predict

local threads = {}
local bodies = {}
local position = 0
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  wrk.method = "POST"
  wrk.path = args[2]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  position = position % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[position])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local counts = {}
  for status, count in pairs(merged) do
    counts[#counts + 1] = string.format('"%d": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, table.concat(counts, ", "),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
