-- sniper status, ABI v1. Reads the current buckets; writes nothing (EVALSHA_RO works on Redis 7).
--
-- EVALSHA <sha> 1 <ns> <now_ms>
--   KEYS[1]  namespace
--   ARGV[1]  now in epoch ms, or empty/omitted for Redis TIME
-- Reply: {hour_count, day_count, hour_ttl_ms, day_ttl_ms, server_time_ms}
--   counts are the raw current buckets (0 when absent); a TTL is -2 where the key does not exist.
-- Errors start with "ERR sniper:". Runs on Redis 6.2 and 7.x.

local HOUR_MS, DAY_MS = 3600000, 86400000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local now_s = ARGV[1] or ''
if now_s ~= '' and (#now_s > 15 or not string.find(now_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: now_ms (ARGV[1]) must be empty or epoch milliseconds, got "' .. now_s .. '"')
end

local now
if now_s == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
else
  now = tonumber(now_s)
end
local keys = {ns .. ':hour:' .. math.floor(now / HOUR_MS), ns .. ':day:' .. math.floor(now / DAY_MS)}
local raw = redis.call('MGET', keys[1], keys[2])
local counts = {0, 0}
for i = 1, 2 do
  local v = raw[i]
  if v then
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
return {counts[1], counts[2], redis.call('PTTL', keys[1]), redis.call('PTTL', keys[2]), now}
