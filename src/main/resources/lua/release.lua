-- A graceful hand-over: the owner of this epoch has finished and acknowledged its last batch and lets
-- go. The epoch stays (the next owner's claim raises it); the record of who owns the shard goes, so the
-- next owner's claim is not held back (see claim.lua).
-- KEYS: 1 owner
-- ARGV: 1 epoch
-- Returns 1 when the caller still owned the shard, else 0.
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'node', 'name', 'since', 'seen')
  return 1
end
return 0
