-- Outrider for Neovim (0.12+): the `outrider lsp` server with inline completion.
--
--   require("outrider").setup{}
--
-- Everything goes through Neovim's own LSP client: `vim.lsp.config` + `vim.lsp.enable` start the
-- server for the listed filetypes, `vim.lsp.inline_completion` shows suggestions as ghost text, and
-- <Tab> (configurable) accepts the current suggestion (or types a Tab when there is none).
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
  keymaps = {
    -- Insert-mode key that accepts the current suggestion; false: no mapping.
    accept = "<Tab>",
  },
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
    end, { expr = true, desc = "Outrider: accept the inline suggestion" })
  end
end

--- Accept the suggestion shown in the current buffer. Returns false when there is none.
---@return boolean
function M.accept()
  return vim.lsp.inline_completion.get()
end

return M
