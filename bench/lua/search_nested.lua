dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- A nested, non-unique value: 20,000 last names over 1M profiles, ~50 matches each (one default page).
local names = math.floor(PROFILES / 50)
request = function()
  return wrk.format("GET", "/identify?name.last=Last" .. math.random(0, names - 1), headers)
end
