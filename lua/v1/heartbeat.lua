-- sniper heartbeat, ABI v1. Registers a live guard and tells it how many guards share the namespace
-- and the current counts, so that during an outage each guard admits only its share of what is left.
--
-- EVALSHA <sha> 1 <ns> <guard_id> <ttl_ms> <now_ms>
--   KEYS[1]  namespace
--   ARGV[1]  guard id, 1..256 bytes, unique per guard (process)
--   ARGV[2]  ttl_ms, 1..3600000: the guard counts as live until now + ttl_ms unless it beats again
--   ARGV[3]  now in epoch ms, or empty/omitted for Redis TIME
-- Keys: <ns>:guards, a sorted set of guard id -> expiry time (ms); expired members are removed here.
--       <ns>:epoch (TTL 172800 s), the server time when the first heartbeat found no epoch. If Redis loses its data (a
--       restart without persistence), the next heartbeat starts a new epoch: guards that saw the old one
--       know the counts they remember were lost, and can restore them.
-- Reply: {live_guards, hour_count, day_count, server_time_ms, epoch} (counts: the raw current buckets).
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local HOUR_MS, DAY_MS = 3600000, 86400000
local EPOCH_TTL_MS = 172800000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local guard_id, ttl_s, now_s = ARGV[1] or '', ARGV[2] or '', ARGV[3] or ''
if guard_id == '' or #guard_id > 256 then
  return redis.error_reply('ERR sniper: guard_id (ARGV[1]) must be 1..256 bytes, got ' .. #guard_id)
end
if #ttl_s > 7 or not string.find(ttl_s, '^%d+$') or tonumber(ttl_s) < 1 or tonumber(ttl_s) > 3600000 then
  return redis.error_reply('ERR sniper: ttl_ms (ARGV[2]) must be an integer 1..3600000, got "' .. ttl_s .. '"')
end
if now_s ~= '' and (#now_s > 15 or not string.find(now_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: now_ms (ARGV[3]) must be empty or epoch milliseconds, got "' .. now_s .. '"')
end

local now
if now_s == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
else
  now = tonumber(now_s)
end
local ttl = tonumber(ttl_s)
local guards_key = ns .. ':guards'
local keys = {ns .. ':hour:' .. math.floor(now / HOUR_MS), ns .. ':day:' .. math.floor(now / DAY_MS), ns .. ':epoch'}
local raw = redis.call('MGET', keys[1], keys[2], keys[3])
local counts = {0, 0, 0}
for i = 1, 3 do
  local v = raw[i]
  if v then
    if #v > 15 or not string.find(v, '^%d+$') then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
local kind = redis.call('TYPE', guards_key)['ok']
if kind ~= 'zset' and kind ~= 'none' then
  return redis.error_reply('ERR sniper: key ' .. guards_key .. ' holds a value of another type')
end

redis.call('ZREMRANGEBYSCORE', guards_key, '-inf', now)
redis.call('ZADD', guards_key, now + ttl, guard_id)
-- The set outlives its members a little and disappears once every guard has gone. The epoch lives as
-- long as the counters (2 days): it must survive a restart that kept the data (AOF), however long.
redis.call('PEXPIRE', guards_key, 2 * ttl)
local epoch = counts[3]
if raw[3] then
  redis.call('PEXPIRE', keys[3], EPOCH_TTL_MS)
else
  epoch = now
  redis.call('SET', keys[3], string.format('%d', now), 'PX', EPOCH_TTL_MS)
end
return {redis.call('ZCARD', guards_key), counts[1], counts[2], now, epoch}
