-- Accept one booking request into a shard's FIFO, atomically: either everything below happens or nothing.
-- One live job per (user, event): while the user's job for this event waits or is in process, a new
-- request makes no job and gets that one back, with its place. The hold is released in ack.lua
-- (release_holds) when the job is decided, or answered.lua after the sold-out fast path.
-- KEYS: 1 waiting list, 2 enqueue sequence, 3 taken sequence, 4 stats hash, 5 job hash, 6 idempotency key,
--       7 the user's live job for this event, 8 withdrawn sequence numbers (withdraw.lua), 9 answered (jobs the
--       sold-out fast path answered, records not written yet: such a job is decided, whatever its record says)
-- ARGV: 1 job id, 2 user id, 3 event id, 4 seats, 5 now (ms), 6 idempotency ttl (s, 0 = no key),
--       7 job key prefix, 8 live hold ttl (s; a safety net only, ack releases it),
--       9 admission deadline (ms; '0': none): the job's request still awaits its limits' verdicts, checked in
--         the same pipeline in other slots. Until confirm.lua clears the mark (or the deadline passes, which
--         only a node lost in between lets happen) take.lua stops at the job; withdraw.lua removes it.
--       10 '1': the request asked for a waitlist place should the event be sold out (kept as the job's 'waitlist'
--          field: take.lua never answers such a job on the sold-out fast path, the worker decides it)
--       11 the request's span as a W3C traceparent ('' when not traced): kept as the job's 'tp' field, handed to
--          the worker by take.lua (its batch's span links to it)
-- Returns {1, job id, seq, taken} for a new job, {0, existing job id} for a repeated idempotency key,
-- {2, live job id, seq, taken, status} for the user's job for this event still waiting or in process.
-- 'taken' also counts the withdrawn jobs between the shard's taken sequence and the job, so that the place
-- in line, seq - taken, counts only jobs really ahead.
local function taken_before(seq)
  local taken = tonumber(redis.call('GET', KEYS[3]) or '0')
  if seq > taken + 1 then
    taken = taken + redis.call('ZCOUNT', KEYS[8], '(' .. taken, '(' .. seq)
  end
  return taken
end
if ARGV[6] ~= '0' then
  local existing = redis.call('GET', KEYS[6])
  if existing then
    return {0, existing}
  end
end
local live = redis.call('GET', KEYS[7])
if live then
  local f = redis.call('HMGET', ARGV[7] .. live, 'seq', 'status')
  if f[2] == 'processing' or (f[2] == 'queued' and not redis.call('ZSCORE', KEYS[9], live)) then
    local seq = tonumber(f[1])
    return {2, live, seq, taken_before(seq), f[2]}
  end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[5], 'user', ARGV[2], 'event', ARGV[3], 'seats', ARGV[4], 'status', 'queued',
  'seq', seq, 'enqueuedAt', ARGV[5], 'attempts', 0)
if ARGV[9] ~= '0' then
  redis.call('HSET', KEYS[5], 'admitBy', ARGV[9])
end
if ARGV[10] == '1' then
  redis.call('HSET', KEYS[5], 'waitlist', '1')
end
if ARGV[11] and ARGV[11] ~= '' then
  redis.call('HSET', KEYS[5], 'tp', ARGV[11])
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'enqueued', 1)
redis.call('SET', KEYS[7], ARGV[1], 'EX', ARGV[8])
if ARGV[6] ~= '0' then
  redis.call('SET', KEYS[6], ARGV[1], 'EX', ARGV[6])
end
return {1, ARGV[1], seq, taken_before(seq)}
