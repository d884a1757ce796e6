dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- A merge patch that always changes something, so every request writes a version and an outbox event.
request = function()
  seq = seq + 1
  local body = '{"traits":{"score":' .. math.random(1, 1000000000) .. ',"plan":"pro"}}'
  return wrk.format("POST", "/identify/" .. profile_id(any_profile()), headers, body)
end
