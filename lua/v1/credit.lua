-- sniper credit, ABI v1. Adds admissions made elsewhere (while Redis was unreachable), once per batch.
--
-- EVALSHA <sha> 1 <ns> <hour_bucket> <day_bucket> <n> <batch_id>
--   KEYS[1]  namespace
--   ARGV[1]  hour bucket (epoch ms // 3600000) the admissions fell in
--   ARGV[2]  day bucket (epoch ms // 86400000) the admissions fell in
--   ARGV[3]  n, admissions to add, 0..1000000000
--   ARGV[4]  batch id, 1..256 bytes; <ns>:credit:<batch_id> marks it applied (TTL 172800 s)
-- Reply: {applied, hour_count, day_count}: 1, or 0 when this batch was applied before (nothing
--   added), and the counts of those buckets afterwards. A bucket key created here gets a TTL of
--   two windows.
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local HOUR_MS, DAY_MS = 3600000, 86400000
local MARK_TTL_MS = 172800000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local hour, day, n_s, batch_id = ARGV[1] or '', ARGV[2] or '', ARGV[3] or '', ARGV[4] or ''
if #hour > 12 or not string.find(hour, '^%d+$') then
  return redis.error_reply('ERR sniper: hour_bucket (ARGV[1]) must be a non-negative integer, got "' .. hour .. '"')
end
if #day > 12 or not string.find(day, '^%d+$') then
  return redis.error_reply('ERR sniper: day_bucket (ARGV[2]) must be a non-negative integer, got "' .. day .. '"')
end
if #n_s > 10 or not string.find(n_s, '^%d+$') or tonumber(n_s) > 1000000000 then
  return redis.error_reply('ERR sniper: n (ARGV[3]) must be an integer 0..1000000000, got "' .. n_s .. '"')
end
if batch_id == '' or #batch_id > 256 then
  return redis.error_reply('ERR sniper: batch_id (ARGV[4]) must be 1..256 bytes, got ' .. #batch_id)
end
-- Buckets are normalised so that "007" and "7" name the same key as acquire writes.
hour, day = tonumber(hour), tonumber(day)
local n = tonumber(n_s)

local mark_key = ns .. ':credit:' .. batch_id
local keys = {ns .. ':hour:' .. hour, ns .. ':day:' .. day}
local raw = redis.call('MGET', keys[1], keys[2], mark_key)
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
if raw[3] then
  return {0, counts[1], counts[2]}
elseif redis.call('EXISTS', mark_key) == 1 then
  return redis.error_reply('ERR sniper: key ' .. mark_key .. ' holds a value of another type')
end

local ttls = {2 * HOUR_MS, 2 * DAY_MS}
for i = 1, 2 do
  if n > 0 then
    if raw[i] then
      counts[i] = redis.call('INCRBY', keys[i], n)
    else
      redis.call('SET', keys[i], n, 'PX', ttls[i])
      counts[i] = n
    end
  end
end
redis.call('SET', mark_key, '1', 'PX', MARK_TTL_MS)
return {1, counts[1], counts[2]}
