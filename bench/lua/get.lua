dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
request = function()
  return wrk.format("GET", "/identify/" .. profile_id(any_profile()), headers)
end
