dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- Every request a new person: unique email per run, thread and sequence number.
request = function()
  seq = seq + 1
  local tag = RUN .. "-" .. thread_id .. "-" .. seq
  local body = '{"identifiers":{"email":"c' .. tag .. '@bench.example","name":{"first":"First' .. (seq % 997)
    .. '","last":"Last' .. (seq % 20000) .. '"}},"traits":{"plan":"free","seats":' .. (seq % 50) .. '}}'
  return wrk.format("POST", "/identify", headers, body)
end
