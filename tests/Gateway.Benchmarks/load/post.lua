-- POST a JSON body (env BODY_FILE) to PATH_ONE with a per-request token, and a JSON summary at the end.
local tokens, body = {}, ""
local i = 0

function init(args)
  for l in io.lines(os.getenv("TOKENS")) do if #l > 0 then tokens[#tokens + 1] = l end end
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  body = f:read("*a")
  f:close()
end

function request()
  i = i + 1
  return wrk.format("POST", os.getenv("PATH_ONE"),
    { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1], ["Content-Type"] = "application/json" }, body)
end

dofile(os.getenv("SUMMARY_LUA"))
