-- `:checkhealth outrider`: the executable is found, the server starts and answers `initialize`,
-- and a model provider is configured (`outrider doctor --json`).
local M = {}

local TIMEOUT_MS = 30000

---@return table
local function config()
  local outrider = require("outrider")
  return outrider.config or outrider.defaults
end

--- `outrider doctor --json` from the server command: what precedes "lsp", then the doctor's
--- arguments, with the provider settings given to setup() as flags (the editor sends them over LSP).
---@param cfg table
---@param root string
---@return string[]
function M.doctor_cmd(cfg, root)
  local cmd = {}
  if cfg.doctor_cmd then
    cmd = vim.deepcopy(cfg.doctor_cmd)
  else
    for _, part in ipairs(cfg.cmd) do
      if part == "lsp" then
        break
      end
      table.insert(cmd, part)
    end
    vim.list_extend(cmd, { "doctor", "--json" })
  end
  local settings = cfg.settings or {}
  for _, key in ipairs({ "provider", "model", "base_url" }) do
    if type(settings[key]) == "string" then
      vim.list_extend(cmd, { "--" .. key:gsub("_", "-"), settings[key] })
    end
  end
  vim.list_extend(cmd, { "--workspace", root })
  return cmd
end

---@param message table
---@return string
local function lsp_frame(message)
  local body = vim.json.encode(message)
  return string.format("Content-Length: %d\r\n\r\n%s", #body, body)
end

--- The last non-empty line of `text` (a one-line reason), or `fallback`.
---@param text string?
---@param fallback string
---@return string
local function last_line(text, fallback)
  local lines = vim.tbl_filter(function(line)
    return vim.trim(line) ~= ""
  end, vim.split(text or "", "\n"))
  return lines[#lines] or fallback
end

--- Start the server, send initialize, and once it has answered (as the specification asks: no other
--- message before the InitializeResult) initialized/shutdown/exit; say whether it answered.
---@param cmd string[]
---@param root string
---@return boolean, string
function M.handshake(cmd, root)
  local init = lsp_frame({
    jsonrpc = "2.0",
    id = 1,
    method = "initialize",
    params = { processId = vim.NIL, rootUri = vim.uri_from_fname(root), capabilities = vim.empty_dict() },
  })
  local rest = lsp_frame({ jsonrpc = "2.0", method = "initialized", params = vim.empty_dict() })
    .. lsp_frame({ jsonrpc = "2.0", id = 2, method = "shutdown" })
    .. lsp_frame({ jsonrpc = "2.0", method = "exit" })
  local chunks, answered = {}, false
  local proc
  local function on_stdout(_, data)
    if not data then
      return
    end
    chunks[#chunks + 1] = data
    if not answered and table.concat(chunks):find('"capabilities"', 1, true) then
      answered = true
      pcall(function()
        proc:write(rest)
        proc:write(nil) -- end of input: the server must not wait for more
      end)
    end
  end
  local ok, result = pcall(function()
    proc = vim.system(cmd, { stdin = true, stdout = on_stdout, text = true, cwd = root, timeout = TIMEOUT_MS })
    pcall(proc.write, proc, init) -- a server that died at once has closed its input: its exit code says why
    return proc:wait()
  end)
  if not ok then
    return false, tostring(result)
  end
  local stdout = table.concat(chunks)
  local info = stdout:match('"serverInfo"%s*:%s*(%b{})')
  if result.code == 0 and answered then
    local decoded = info and vim.json.decode(info) or {}
    return true, string.format("%s %s", decoded.name or "server", decoded.version or "")
  end
  return false, string.format("exit code %d: %s", result.code, last_line(result.stderr, "no answer to initialize"))
end

---@param check { name: string, status: string, detail: string }
local function report(check)
  local text = string.format("%s: %s", check.name, check.detail)
  if check.status == "ok" then
    vim.health.ok(text)
  elseif check.status == "warn" then
    vim.health.warn(text)
  else
    vim.health.error(text)
  end
end

---@param cfg table
---@param root string
local function check_doctor(cfg, root)
  local cmd = M.doctor_cmd(cfg, root)
  local ok, result = pcall(function()
    return vim.system(cmd, { text = true, cwd = root, timeout = TIMEOUT_MS }):wait()
  end)
  if not ok then
    vim.health.error("`" .. table.concat(cmd, " ") .. "` did not run: " .. tostring(result))
    return
  end
  local decoded_ok, doctor = pcall(vim.json.decode, result.stdout or "")
  if not decoded_ok or type(doctor) ~= "table" or type(doctor.checks) ~= "table" then
    vim.health.error("`outrider doctor --json` failed: " .. last_line(result.stderr, "no JSON output"))
    return
  end
  for _, check in ipairs(doctor.checks) do
    report(check)
  end
  if not doctor.ok then
    vim.health.error("no working model provider", {
      "Set your provider's key in the environment Neovim starts from (ANTHROPIC_API_KEY or OPENAI_API_KEY)",
      "or choose a provider in setup{ settings = { provider = ..., model = ..., base_url = ... } }",
    })
  end
end

function M.check()
  local outrider = require("outrider")
  local cfg = config()
  vim.health.start("outrider")
  if vim.lsp.inline_completion == nil then
    vim.health.error("Neovim 0.12 or newer is needed (vim.lsp.inline_completion)")
  else
    vim.health.ok("Neovim " .. tostring(vim.version()))
  end
  if outrider.config == nil then
    vim.health.warn('require("outrider").setup{} was not called; checking the default command')
  end
  local exe = cfg.cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    vim.health.error("`" .. exe .. "` not found", {
      "pip install outrider, or set setup{ cmd = { '/path/to/outrider', 'lsp' } }",
    })
    return
  end
  vim.health.ok("executable: " .. vim.fn.exepath(exe))
  local clients = vim.lsp.get_clients({ name = "outrider" })
  for _, client in ipairs(clients) do
    vim.health.info(string.format("running: client %d, root %s", client.id, client.root_dir or "(none)"))
  end
  local root = clients[1] and clients[1].root_dir or vim.fn.getcwd()
  local started, detail = M.handshake(cfg.cmd, root)
  local shown = "`" .. table.concat(cfg.cmd, " ") .. "`"
  if started then
    vim.health.ok(shown .. " starts and answers initialize: " .. detail)
  else
    vim.health.error(shown .. " does not start: " .. detail, { "run it in a terminal to see why" })
  end
  vim.health.start("outrider: provider (outrider doctor)")
  check_doctor(cfg, root)
end

return M
