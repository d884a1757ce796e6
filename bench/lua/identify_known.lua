dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- POST /identify for a known person (the loaded emails): resolves to their profile and merges a traits patch that
-- always changes something.
request = function()
  local body = '{"identifiers":{"email":"user' .. any_profile() .. '@example.com"},"traits":{"score":'
    .. math.random(1, 1000000000) .. '}}'
  return wrk.format("POST", "/identify", headers, body)
end
