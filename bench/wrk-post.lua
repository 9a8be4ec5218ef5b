-- wrk script of the benchmarks: POSTs the file $BENCH_BODY as application/json to the
-- URL given to wrk, with a fresh uid in each review when $BENCH_UNIQUE_UID is set (the
-- body must hold the placeholder uid 00000000-0000-4000-8000-000000000000), and prints
-- one JSON line of results that bench/servers.ts reads.
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

local unique = os.getenv("BENCH_UNIQUE_UID") ~= nil
local placeholder = "00000000%-0000%-4000%-8000%-000000000000"
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function request()
  if not unique then
    return wrk.request()
  end
  counter = counter + 1
  local uid = string.format("00000000-0000-4000-8%03d-%012d", id % 1000, counter)
  return wrk.format(nil, nil, nil, (body:gsub(placeholder, uid)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
