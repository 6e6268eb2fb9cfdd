-- Confirm jobs whose requests passed their limits (QueueVerticle, after the pipeline of limits and enqueue):
-- their admission mark goes, so take.lua may hand them out. Several at once, all of one shard.
-- KEYS: 1 the shard's waiting list (only its slot: the job hashes are addressed by prefix, same hash tag)
-- ARGV: 1 job key prefix, then the job ids
for i = 2, #ARGV do
  redis.call('HDEL', ARGV[1] .. ARGV[i], 'admitBy')
end
return #ARGV - 1
