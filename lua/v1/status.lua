-- sniper status, ABI v1. Reads the current buckets; writes nothing (EVALSHA_RO works on Redis 7).
--
-- EVALSHA <sha> 1 <ns> <now_ms>
--   KEYS[1]  namespace
--   ARGV[1]  now in epoch ms, or empty/omitted for Redis TIME
--   ARGV[2..] scopes to read too, up to 8 (<dimension>=<value>)
-- Reply: {hour_count, day_count, hour_ttl_ms, day_ttl_ms, server_time_ms}, then for each scope given
--   its hour_count, day_count, hour_ttl_ms, day_ttl_ms
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
if #ARGV - 1 > 8 then
  return redis.error_reply('ERR sniper: at most 8 scopes, got ' .. (#ARGV - 1))
end
for at = 2, #ARGV do
  local scope = ARGV[at]
  local dim = #scope <= 97 and string.match(scope, '^([a-z][a-z0-9_]*)=[%w%._/:%-]+$')
  if not dim or #dim > 32 or #scope - #dim - 1 > 64 then
    return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) must be <dimension>=<value>: dimension a-z 0-9 _'
      .. ' from a letter, up to 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got "' .. string.sub(scope, 1, 100) .. '"')
  end
end

local now
if now_s == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
else
  now = tonumber(now_s)
end
local hour_s, day_s = ':hour:' .. math.floor(now / HOUR_MS), ':day:' .. math.floor(now / DAY_MS)
local keys = {ns .. hour_s, ns .. day_s}
for at = 2, #ARGV do
  keys[#keys + 1] = ns .. ':scope:' .. ARGV[at] .. hour_s
  keys[#keys + 1] = ns .. ':scope:' .. ARGV[at] .. day_s
end
local raw = redis.call('MGET', unpack(keys))
local counts = {}
for i = 1, #keys do
  local v = raw[i]
  counts[i] = 0
  if v then
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
local reply = {counts[1], counts[2], redis.call('PTTL', keys[1]), redis.call('PTTL', keys[2]), now}
for i = 3, #keys, 2 do
  reply[#reply + 1] = counts[i]
  reply[#reply + 1] = counts[i + 1]
  reply[#reply + 1] = redis.call('PTTL', keys[i])
  reply[#reply + 1] = redis.call('PTTL', keys[i + 1])
end
return reply
