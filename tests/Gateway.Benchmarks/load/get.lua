-- GET with a per-request token (users rotate, so per-user limits spread), and a JSON summary at the end.
-- Env: TOKENS (file, one JWT per line), PATHS (optional file, one path per line, paired with TOKENS by index).
local tokens, paths = {}, {}
local i = 0

local function lines(file)
  local t = {}
  if file and file ~= "" then for l in io.lines(file) do if #l > 0 then t[#t + 1] = l end end end
  return t
end

function init(args)
  tokens = lines(os.getenv("TOKENS"))
  paths = lines(os.getenv("PATHS"))
end

function request()
  i = i + 1
  local n = (i % #tokens) + 1
  local path = (#paths > 0) and paths[n] or os.getenv("PATH_ONE")
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[n] })
end

dofile(os.getenv("SUMMARY_LUA"))
