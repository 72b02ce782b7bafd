-- Redis script environment: Lua 5.1 with the redis API; KEYS and ARGV are set per call.
std = "lua51"
read_globals = { "redis", "KEYS", "ARGV", "cjson", "bit", "struct", "cmsgpack" }
max_line_length = 130
