-- Run with `nvim --clean --headless -l plugin_functions.lua PLUGIN_DIR`: evaluates the plugin's pure
-- functions on fixed inputs and writes the results as one JSON object to stdout (see
-- test_nvim_plugin_functions.py, which holds the expected values).
vim.opt.runtimepath:append(arg[1])
local agent = require("outrider.agent")
local cost = require("outrider.cost")
local health = require("outrider.health")

local buf = vim.api.nvim_create_buf(false, true)
vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "abc", "é😀x", "z" })

local function charwise(from, to, selection)
  vim.o.selection = selection
  vim.api.nvim_buf_set_mark(buf, "<", from[1], from[2], {})
  vim.api.nvim_buf_set_mark(buf, ">", to[1], to[2], {})
  local ranges = {}
  for _, encoding in ipairs({ "utf-8", "utf-16", "utf-32" }) do
    ranges[encoding] = agent.selection_range(buf, "v", 0, 0, encoding)
  end
  return ranges
end

local lines = {}
for _, encoding in ipairs({ "utf-8", "utf-16", "utf-32" }) do
  lines[encoding] = agent.selection_range(buf, "V", 1, 2, encoding)
end

local function instruction(text)
  local cleaned, problem = agent.clean_instruction(text)
  return { cleaned = cleaned and vim.fn.strcharpart(cleaned, 0, 20) or vim.NIL, problem = problem or vim.NIL }
end

local results = {
  lines = lines,
  -- '< on "é" (byte 0), '> on the emoji (bytes 2-5): inclusive, so the emoji is in.
  emoji_inclusive = charwise({ 2, 0 }, { 2, 2 }, "inclusive"),
  -- 'selection' exclusive: '> on "x" (byte 6) ends the selection before it.
  emoji_exclusive = charwise({ 2, 2 }, { 2, 6 }, "exclusive"),
  instructions = {
    trimmed = instruction("  Add type hints \n"),
    blank = instruction("   "),
    too_long = instruction(string.rep("a", agent.MAX_INSTRUCTION + 1)),
    longest = instruction(string.rep("é", agent.MAX_INSTRUCTION)),
  },
  cost = cost.describe({
    today_usd = 0.152,
    month_usd = 3.5,
    by_feature = { completion = 0.0021, agent = 0.15 },
    provider = "openai",
    model = "gpt-4.1",
  }),
  cost_empty = cost.describe({ today_usd = 0, month_usd = 0, by_feature = vim.empty_dict() }),
  doctor = health.doctor_cmd({
    cmd = { "/opt/outrider/bin/outrider", "lsp", "--log-level", "debug" },
    settings = { provider = "openai-compatible", base_url = "http://localhost:11434/v1", completion = {} },
  }, "/work/project"),
  doctor_given = health.doctor_cmd(
    { cmd = { "outrider", "lsp" }, doctor_cmd = { "od", "--json" }, settings = {} },
    "/w"
  ),
  handshake_failed = { health.handshake({ "sh", "-c", "echo 'no such module' >&2; exit 3" }, "/") },
  handshake_missing = { health.handshake({ "/nonexistent/outrider", "lsp" }, "/") },
}
io.stdout:write(vim.json.encode(results))
