dofile(os.getenv("BENCH_DIR") .. "/lua/common.lua")
-- A unique key: one row through the identity_keys primary key.
request = function()
  return wrk.format("GET", "/identify?email=user" .. any_profile() .. "%40example.com", headers)
end
