-- The worker saw an event sell out (its committed decision left no seat): mark it, so take.lua answers
-- the event's next jobs SOLD_OUT without PostgreSQL. Only if no seat may have come back since the worker
-- read the event's seat epoch (before its transaction); otherwise the mark would hide a freed seat.
-- KEYS: 1 sold-out marks, 2 seat epochs
-- ARGV: 1 event id, 2 the seat epoch the worker read when it took the jobs, 3 the event's start (ms)
-- Returns 1 when marked, 0 when a seat may have come back meanwhile.
if (redis.call('HGET', KEYS[2], ARGV[1]) or '0') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
return 1
