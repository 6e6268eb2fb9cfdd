-- wrk script: POST /api/bookings/EVENT/book, rotating many users' bearer tokens (one per request, in turn).
--   wrk -t1 -c256 -d12s -s src/bench/wrk/book.lua http://127.0.0.1:8080 -- TOKENS_FILE EVENT_ID
-- TOKENS_FILE holds one token a line (src/bench/frontdoor.sh writes it from POST /api/admin/bench/users).
-- Every answer is counted by status; non-2xx answers are printed at the end (a refused or failed booking
-- must not pass for a fast one).
local tokens = {}
local event_id = "1"
local next_token = 0
statuses = {}  -- global: done() reads each thread's copy with thread:get
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("usage: -- TOKENS_FILE EVENT_ID")
  event_id = args[2] or event_id
  for line in io.lines(file) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  if #tokens == 0 then
    error("no tokens in " .. file)
  end
  -- Threads start at different places in the list, so two threads do not send the same token together.
  next_token = (id or 0) * 7919 % #tokens
  wrk.method = "POST"
  wrk.path = "/api/bookings/" .. event_id .. "/book"
  wrk.body = '{"seats":1}'
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  next_token = next_token % #tokens + 1
  wrk.headers["Authorization"] = "Bearer " .. tokens[next_token]
  return wrk.format()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local other = summary.errors.status
  io.write(string.format("p50 %.1f ms, p99 %.1f ms, non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, other))
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts or {}) do
      io.write(string.format("  status %s: %d\n", status, n))
    end
  end
end
