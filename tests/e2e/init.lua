-- Neovim configuration for the end-to-end test: only the Outrider plugin, set up as a user would.
-- The test passes the server command and settings through environment variables.
vim.opt.runtimepath:append(vim.env.OUTRIDER_NVIM_PLUGIN)
vim.opt.swapfile = false
vim.opt.shada = ""
vim.opt.autoindent = false
vim.cmd("filetype indent off")

require("outrider").setup({
  cmd = vim.json.decode(vim.env.OUTRIDER_E2E_CMD),
  settings = vim.json.decode(vim.env.OUTRIDER_E2E_SETTINGS),
})
