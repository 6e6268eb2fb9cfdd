-- The head of a shard's line, for the live status streams of one node (live.StreamTicker, once a second
-- while the node has streams on the shard): the taken sequence, and the sequence numbers of the withdrawn
-- jobs still ahead of the line's end (withdraw.lua), oldest first. A job with sequence number seq is then
-- at place seq - taken - (withdrawn between taken and seq), as status.lua counts it for one job.
-- KEYS: 1 taken sequence, 2 withdrawn sequence numbers (ZSET seq -> id)
-- ARGV: 1 most withdrawn sequence numbers to return
local taken = redis.call('GET', KEYS[1]) or '0'
local ahead = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. taken, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local seqs = {}
for i = 2, #ahead, 2 do
  seqs[#seqs + 1] = ahead[i]
end
return {taken, seqs}
