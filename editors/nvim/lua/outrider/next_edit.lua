-- Next-edit suggestions: after you edit, the server predicts the edit you will make next, anywhere
-- in the buffer (`textDocument/copilotInlineEdit`). The edit is previewed where it applies: the text
-- it replaces highlighted, the new text as virtual text after it (virtual lines when it spans
-- several). `accept()` jumps there and applies it; the next change to the buffer dismisses it.
-- A prediction carries the buffer version it was made for and is never applied to another.
local M = {}

M.METHOD = "textDocument/copilotInlineEdit"
M.ns = vim.api.nvim_create_namespace("outrider.next_edit")

---@class outrider.NextEdit
---@field text string
---@field range lsp.Range
---@field version integer
---@field client_id integer
---@field command lsp.Command?

--- The edit shown in each buffer.
---@type table<integer, outrider.NextEdit>
M.shown = {}

local timers = {} ---@type table<integer, uv.uv_timer_t>
local attached = {} ---@type table<integer, boolean>

vim.api.nvim_set_hl(0, "OutriderNextEditOld", { default = true, link = "DiffDelete" })
vim.api.nvim_set_hl(0, "OutriderNextEditNew", { default = true, link = "DiffAdd" })

---@param bufnr integer
function M.dismiss(bufnr)
  M.shown[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- A byte column on a buffer line from an LSP character in `encoding`.
---@param bufnr integer
---@param position lsp.Position
---@param encoding string
---@return integer row 0-based
---@return integer col byte column
local function byte_position(bufnr, position, encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, position.line, position.line + 1, false)[1] or ""
  local ok, col = pcall(vim.str_byteindex, line, encoding, position.character, false)
  return position.line, ok and col or #line
end

--- Show `edit` in `bufnr` (replacing whatever was shown).
---@param bufnr integer
---@param edit outrider.NextEdit
---@param encoding string
function M.show(bufnr, edit, encoding)
  M.dismiss(bufnr)
  local srow, scol = byte_position(bufnr, edit.range.start, encoding)
  local erow, ecol = byte_position(bufnr, edit.range["end"], encoding)
  if srow ~= erow or scol ~= ecol then
    vim.api.nvim_buf_set_extmark(bufnr, M.ns, srow, scol, {
      end_row = erow, end_col = ecol, hl_group = "OutriderNextEditOld",
    })
  end
  local lines = vim.split(edit.text, "\n", { plain = true })
  if #lines == 1 then
    vim.api.nvim_buf_set_extmark(bufnr, M.ns, erow, ecol, {
      virt_text = { { lines[1] == "" and " (delete)" or lines[1], "OutriderNextEditNew" } },
      virt_text_pos = "inline",
    })
  else
    local virt_lines = {}
    for _, text in ipairs(lines) do
      table.insert(virt_lines, { { text, "OutriderNextEditNew" } })
    end
    vim.api.nvim_buf_set_extmark(bufnr, M.ns, erow, 0, { virt_lines = virt_lines })
  end
  M.shown[bufnr] = edit
end

--- Ask the server for the next edit at the cursor of the buffer's window.
---@param bufnr integer
function M.request(bufnr)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = "outrider" })[1]
  local win = vim.fn.bufwinid(bufnr)
  if not client or win == -1 then
    return
  end
  local params = vim.lsp.util.make_position_params(win, client.offset_encoding)
  local version = vim.lsp.util.buf_versions[bufnr]
  params.textDocument.version = version
  client:request(M.METHOD, params, function(err, result)
    if err or not result or not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    local item = (result.edits or {})[1]
    if not item or vim.lsp.util.buf_versions[bufnr] ~= version or item.textDocument.version ~= version then
      return -- stale: the buffer moved on
    end
    M.show(bufnr, {
      text = item.text, range = item.range, version = version, client_id = client.id, command = item.command,
    }, client.offset_encoding)
  end, bufnr)
end

--- Jump to the shown edit and apply it. False when there is none (or it is stale).
---@param bufnr integer?
---@return boolean
function M.accept(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local edit = M.shown[bufnr]
  if not edit or vim.lsp.util.buf_versions[bufnr] ~= edit.version then
    return false
  end
  local client = vim.lsp.get_client_by_id(edit.client_id)
  if not client then
    return false
  end
  M.dismiss(bufnr)
  -- Scheduled: a key mapping may call this while text changes are not allowed.
  vim.schedule(function()
    if vim.lsp.util.buf_versions[bufnr] ~= edit.version then
      return
    end
    vim.lsp.util.apply_text_edits({ { range = edit.range, newText = edit.text } }, bufnr, client.offset_encoding)
    local lines = vim.split(edit.text, "\n", { plain = true })
    local row, col = byte_position(bufnr, edit.range.start, client.offset_encoding)
    local last_col = #lines == 1 and col + #lines[1] or #lines[#lines]
    local win = vim.fn.bufwinid(bufnr)
    if win ~= -1 then
      pcall(vim.api.nvim_win_set_cursor, win, { row + #lines, last_col })
    end
    if edit.command then
      client:exec_cmd(edit.command, { bufnr = bufnr })
    end
  end)
  return true
end

--- Start predicting for `bufnr`: every change dismisses what is shown and asks again after `delay_ms`.
---@param bufnr integer
---@param delay_ms integer
function M.attach(bufnr, delay_ms)
  if attached[bufnr] then
    return
  end
  attached[bufnr] = true
  local group = vim.api.nvim_create_augroup("outrider.next_edit." .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "TextChanged", "TextChangedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.dismiss(bufnr)
      local timer = timers[bufnr] or vim.uv.new_timer()
      timers[bufnr] = timer
      timer:stop()
      timer:start(delay_ms, 0, vim.schedule_wrap(function()
        if vim.api.nvim_buf_is_valid(bufnr) then
          M.request(bufnr)
        end
      end))
    end,
  })
  vim.api.nvim_create_autocmd({ "BufWipeout", "LspDetach" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.dismiss(bufnr)
      if timers[bufnr] then
        timers[bufnr]:stop()
        timers[bufnr]:close()
        timers[bufnr] = nil
      end
      attached[bufnr] = nil
      pcall(vim.api.nvim_del_augroup_by_id, group)
    end,
  })
end

--- Attach to every buffer the `outrider` client attaches to.
---@param delay_ms integer
function M.enable(delay_ms)
  vim.api.nvim_create_autocmd("LspAttach", {
    group = vim.api.nvim_create_augroup("outrider.next_edit", { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == "outrider" then
        M.attach(args.buf, delay_ms)
      end
    end,
  })
end

return M
