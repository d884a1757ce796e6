dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- 1,000 items per request: 90% new people, 10% known emails that merge into loaded profiles.
local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "1000")
request = function()
  seq = seq + 1
  local items = {}
  for i = 1, size do
    if i % 10 == 0 then
      items[i] = '{"identifiers":{"email":"user' .. any_profile() .. '@example.com"},"traits":{"seen":' .. seq .. '}}'
    else
      local tag = RUN .. "-" .. thread_id .. "-" .. seq .. "-" .. i
      items[i] = '{"identifiers":{"email":"b' .. tag .. '@bench.example","name":{"first":"First' .. (i % 997)
        .. '","last":"Last' .. (i % 20000) .. '"}},"traits":{"plan":"free","seats":' .. (i % 50) .. '}}'
    end
  end
  return wrk.format("POST", "/identify/batch", headers, "[" .. table.concat(items, ",") .. "]")
end
