-- Outrider for Neovim (0.12+): the `outrider lsp` server with inline completion and the agent.
--
--   require("outrider").setup{}
--
-- Everything goes through Neovim's own LSP client: `vim.lsp.config` + `vim.lsp.enable` start the
-- server for the listed filetypes, `vim.lsp.inline_completion` shows suggestions as ghost text, and
-- <Tab> (configurable) accepts the current suggestion (or types a Tab when there is none).
-- Accepting runs the item's command, so the server records the acceptance; `:OutriderExplain` shows
-- the last suggestion's trace id, model, latency, cost and confidence (explain.lua).
-- Next-edit suggestions (next_edit.lua) preview the edit you will likely make next anywhere in the
-- buffer; the same key jumps to it and applies it when no ghost text is shown.
-- `:OutriderRun`, `:OutriderCancel` and `:OutriderCost` drive the agent (agent.lua, cost.lua); its
-- progress comes through `LspProgress` (progress.lua) and `require("outrider").status()`.
local M = {}

M.defaults = {
  -- The command that starts the server.
  cmd = { "outrider", "lsp" },
  filetypes = {
    "python", "javascript", "javascriptreact", "typescript", "typescriptreact",
    "go", "rust", "java", "c", "cpp",
  },
  root_markers = { "outrider.toml", "pyproject.toml", "package.json", "go.mod", "Cargo.toml", ".git" },
  -- Outrider settings (the `outrider` section: provider, model, completion = { debounce_ms = ... }).
  settings = {},
  -- Show suggestions as you type.
  inline_completion = true,
  -- Preview the predicted next edit anywhere in the buffer after each change (false: off).
  next_edit = { enabled = true, delay_ms = 100 },
  keymaps = {
    -- Insert-mode key that accepts the current suggestion, else jumps to the next edit and applies
    -- it; false: no mapping.
    accept = "<Tab>",
    -- Normal-mode key that jumps to the next edit and applies it (its usual action when none is
    -- shown); false: no mapping.
    next_edit = "<Tab>",
  },
  -- Define :OutriderRun, :OutriderCancel, :OutriderCost and :OutriderExplain.
  commands = true,
  -- How `:checkhealth outrider` runs `outrider doctor --json` (default: `cmd` with "doctor" for "lsp").
  doctor_cmd = nil,
}

M.config = nil

---@param opts? table
function M.setup(opts)
  local config = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  M.config = config

  vim.lsp.config("outrider", {
    cmd = config.cmd,
    filetypes = config.filetypes,
    root_markers = config.root_markers,
    init_options = { outrider = config.settings },
    settings = { outrider = config.settings },
  })
  vim.lsp.enable("outrider")

  if config.inline_completion then
    vim.lsp.inline_completion.enable(true)
  end

  local accept = config.keymaps and config.keymaps.accept
  if accept then
    vim.keymap.set("i", accept, function()
      if not M.accept() then
        return accept
      end
    end, { expr = true, desc = "Outrider: accept the inline suggestion or the next edit" })
  end
  local next_key = config.keymaps and config.keymaps.next_edit
  if next_key then
    vim.keymap.set("n", next_key, function()
      if not require("outrider.next_edit").accept() then
        return next_key
      end
    end, { expr = true, desc = "Outrider: jump to the next edit and apply it" })
  end
  if config.next_edit and config.next_edit.enabled then
    require("outrider.next_edit").enable(config.next_edit.delay_ms or 100)
  end

  require("outrider.progress").attach()
  vim.lsp.commands[require("outrider.agent").EDIT_SELECTION] = require("outrider.agent").edit_selection
  if config.commands then
    M.create_commands()
  end
end

function M.create_commands()
  vim.api.nvim_create_user_command("OutriderRun", function(cmd)
    require("outrider.agent").run_command(cmd)
  end, {
    nargs = "*",
    range = true,
    desc = "Outrider: run the agent on the selection (or the buffer) with an instruction",
  })
  vim.api.nvim_create_user_command("OutriderCancel", function(cmd)
    require("outrider.agent").cancel(cmd.args)
  end, { nargs = "?", desc = "Outrider: cancel the running agent task(s)" })
  vim.api.nvim_create_user_command("OutriderCost", function()
    M.cost()
  end, { nargs = 0, desc = "Outrider: show today's and this month's spend" })
  vim.api.nvim_create_user_command("OutriderExplain", function(cmd)
    M.explain(cmd.args ~= "" and cmd.args or nil)
  end, { nargs = "?", desc = "Outrider: trace id, model, latency, cost and confidence of the last suggestion" })
end

--- Run the agent: `opts.instruction` (prompted for when absent), on `opts.range` (an LSP range in
--- the client's position encoding) of `opts.bufnr` (default: current buffer), else the whole buffer.
---@param opts? { instruction: string?, range: lsp.Range?, bufnr: integer? }
function M.run(opts)
  opts = opts or {}
  local agent = require("outrider.agent")
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = agent.client_for(bufnr)
  if not client then
    return
  end
  agent.with_instruction(opts.instruction, function(instruction)
    local uri = agent.file_uri(bufnr)
    agent.start(client, { instruction = instruction, uri = uri, range = uri and opts.range or nil }, bufnr)
  end)
end

--- Cancel the task `task_id`, or every running agent task.
---@param task_id string?
function M.cancel(task_id)
  require("outrider.agent").cancel(task_id)
end

--- Show the spend; `on_summary` also receives the server's answer.
---@param on_summary fun(summary: table)?
function M.cost(on_summary)
  local client = require("outrider.agent").client_for(vim.api.nvim_get_current_buf())
  if client then
    require("outrider.cost").show(client, on_summary)
  end
end

--- Explain the last suggestion (or the one with `trace_id`); `on_result` also receives the answer.
---@param trace_id string?
---@param on_result fun(result: table?)?
function M.explain(trace_id, on_result)
  local client = require("outrider.agent").client_for(vim.api.nvim_get_current_buf())
  if client then
    require("outrider.explain").show(client, trace_id, on_result)
  end
end

--- Running agent tasks for a statusline: "" when idle, else e.g. "Outrider 40%: read_file stats.py".
---@return string
function M.status()
  return require("outrider.progress").status()
end

--- Accept the suggestion shown in the current buffer (its command tells the server it was
--- accepted), else jump to the predicted next edit and apply it. Returns false when there is neither.
---@return boolean
function M.accept()
  return vim.lsp.inline_completion.get() or require("outrider.next_edit").accept()
end

return M
