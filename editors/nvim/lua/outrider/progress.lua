-- Work-done progress from the Outrider server, as Neovim's own `LspProgress` events deliver it:
-- shown as a progress message (`nvim_echo` with kind = "progress", updated in place), summarised by
-- `status()` for statuslines, and the end message kept in `:messages`.
local M = {}

---@class outrider.Task
---@field title string
---@field message string?
---@field percentage integer?
---@field echo_id integer|string?
---@field cancellable boolean? agent tasks are; their end message is kept in `:messages`

--- Running tasks by "<client id>:<token>".
---@type table<string, outrider.Task>
M.tasks = {}

local MAX_STATUS = 60

---@param text string
---@param limit integer
---@return string
local function shorten(text, limit)
  text = text:gsub("%s+", " ")
  if vim.fn.strchars(text) <= limit then
    return text
  end
  return vim.fn.strcharpart(text, 0, limit - 3) .. "..."
end

--- Show or update a progress message; plain echo where `kind = "progress"` is not supported.
---@param task outrider.Task
---@param text string
---@param status "running"|"success"|"failed"|"cancel"
---@param history boolean
local function echo(task, text, status, history)
  text = text:gsub("^Outrider:%s*", "")
  local opts = { kind = "progress", id = task.echo_id, title = "Outrider", status = status, percent = task.percentage }
  local ok, id = pcall(vim.api.nvim_echo, { { text } }, history, opts)
  if ok then
    task.echo_id = id
  else
    vim.api.nvim_echo({ { "Outrider: " .. text } }, history, {})
  end
end

--- How a task ended: agent runs end with "Outrider: done. ..." unless cancelled, stopped or failed.
---@param task outrider.Task
---@param message string?
---@return "success"|"failed"|"cancel"
local function end_status(task, message)
  if message == "Cancelled" then
    return "cancel"
  end
  if not task.cancellable or (message and message:find("^Outrider: done")) then
    return "success"
  end
  return "failed"
end

--- Handle one `LspProgress` event (`ev.data = { client_id, params = { token, value } }`).
---@param ev { data: { client_id: integer, params: { token: integer|string, value: table } } }
function M.on_progress(ev)
  local data = ev.data or {}
  local client = data.client_id and vim.lsp.get_client_by_id(data.client_id)
  local params = data.params
  if not client or client.name ~= "outrider" or not params or type(params.value) ~= "table" then
    return
  end
  local key = data.client_id .. ":" .. tostring(params.token)
  local value = params.value
  if value.kind == "begin" then
    local task = {
      title = value.title or "Outrider",
      message = value.message,
      percentage = value.percentage,
      cancellable = value.cancellable,
    }
    M.tasks[key] = task
    echo(task, task.title, "running", false)
  elseif value.kind == "report" then
    local task = M.tasks[key]
    if not task then
      return
    end
    task.message = value.message or task.message
    task.percentage = value.percentage or task.percentage
    echo(task, task.message or task.title, "running", false)
  elseif value.kind == "end" then
    local task = M.tasks[key] or { title = "Outrider" }
    M.tasks[key] = nil
    local status = end_status(task, value.message)
    task.percentage = status == "success" and 100 or nil
    echo(task, value.message or "done", status, task.cancellable == true)
  end
  pcall(vim.cmd.redrawstatus)
end

--- A short summary of the running tasks for a statusline ("" when nothing runs).
---@return string
function M.status()
  local keys = vim.tbl_keys(M.tasks)
  table.sort(keys)
  if #keys == 0 then
    return ""
  end
  if #keys > 1 then
    return string.format("Outrider: %d tasks", #keys)
  end
  local task = M.tasks[keys[1]]
  local percent = task.percentage and string.format(" %d%%", task.percentage) or ""
  local text = (task.message or task.title):gsub("^Outrider: ", "")
  return "Outrider" .. percent .. ": " .. shorten(text, MAX_STATUS)
end

--- Listen to `LspProgress` (idempotent).
function M.attach()
  local group = vim.api.nvim_create_augroup("outrider.progress", { clear = true })
  vim.api.nvim_create_autocmd("LspProgress", {
    group = group,
    desc = "Outrider: show agent progress",
    callback = M.on_progress,
  })
end

return M
