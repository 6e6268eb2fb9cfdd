-- An Idempotency-Key is the user's, whatever the event: the first request that uses it records what it asked
-- for (its fingerprint: event and body), and a later request with the same key must ask the same. In the
-- user's slot, sent in the same pipeline as the enqueue (which keeps its own per-shard record of the job).
-- KEYS: 1 {u:ID}:idem:KEY
-- ARGV: 1 fingerprint of the request, 2 ttl (s)
-- Returns 2 when the key is new (recorded now), 1 when it was recorded with the same fingerprint, 0 when it
-- was recorded for a different request.
local known = redis.call('GET', KEYS[1])
if not known then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 2
end
if known == ARGV[1] then
  return 1
end
return 0
