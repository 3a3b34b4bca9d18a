-- wrk script for `make bench` (bench/run.py writes the data file and reads the result line).
--
--   wrk -t T -c C -d D -s bench/wrk.lua http://127.0.0.1:PORT -- DATA_FILE T
--
-- DATA_FILE is a Lua file returning
--   { once = bool, expect_status = 200, expect_location = "/cart/" or nil,
--     requests = { {method, path, headers, body}, ... } }
-- Requests are formatted once in init(); request() only looks them up. Thread t of T sends
-- requests t+1, t+1+T, t+1+2T, ... so that with `once` (checkouts: every request carries its
-- own session and checkout token) no request is sent twice; without `once` they cycle.
-- Cookies, CSRF tokens and POST bodies are in the data, so no response needs parsing beyond its
-- status and Location header, which response() checks against what the page should answer.
-- response() also counts the catalog page cache's `X-Page-Cache: hit` / `miss` answers (pages
-- for visitors without a session); done() reports both counts.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local prepared, once, expect_status, expect_location
local position, stride, filler

function init(args)
  local data = dofile(args[1])
  stride = tonumber(args[2]) or 1
  once = data.once
  expect_status = data.expect_status or 200
  expect_location = data.expect_location
  prepared = {}
  for i, spec in ipairs(data.requests) do
    prepared[i] = wrk.format(spec[1], spec[2], spec[3], spec[4])
  end
  -- Sent only if a `once` list runs out: cheap, and reported as `exhausted`.
  filler = wrk.format("GET", "/health/live/")
  position = (thread_index or 0) + 1
  ok, unexpected, exhausted, statuses = 0, 0, 0, {}
  cache_hits, cache_misses = 0, 0
end

function request()
  if position > #prepared then
    if once then
      exhausted = exhausted + 1
      wrk.thread:stop()
      return filler
    end
    position = ((position - 1) % #prepared) + 1
  end
  local req = prepared[position]
  position = position + stride
  return req
end

function response(status, headers, body)
  local good = status == expect_status
  if good and expect_location then
    local location = headers["Location"] or headers["location"] or ""
    good = location:sub(1, #expect_location) == expect_location
  end
  local cache = headers["X-Page-Cache"] or headers["x-page-cache"]
  if cache == "hit" then
    cache_hits = cache_hits + 1
  elseif cache == "miss" then
    cache_misses = cache_misses + 1
  end
  if good then
    ok = ok + 1
  else
    unexpected = unexpected + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok_total, unexpected_total, exhausted_total, by_status = 0, 0, 0, {}
  local hits_total, misses_total = 0, 0
  for _, thread in ipairs(threads) do
    hits_total = hits_total + thread:get("cache_hits")
    misses_total = misses_total + thread:get("cache_misses")
    ok_total = ok_total + thread:get("ok")
    unexpected_total = unexpected_total + thread:get("unexpected")
    exhausted_total = exhausted_total + thread:get("exhausted")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local status_parts = {}
  for status, count in pairs(by_status) do
    table.insert(status_parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "ok": %d, "unexpected": %d, '
      .. '"unexpected_statuses": {%s}, "exhausted": %d, "page_cache": {"hit": %d, "miss": %d}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "stdev": %.1f, '
      .. '"p50": %d, "p90": %d, "p99": %d, "p99.9": %d}}\n',
    summary.requests, summary.duration, summary.bytes, ok_total, unexpected_total,
    table.concat(status_parts, ", "), exhausted_total, hits_total, misses_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
