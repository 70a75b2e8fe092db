-- The agent from Neovim: `outrider.agent.run` on a selection or a buffer, `outrider.agent.cancel`,
-- and the client-side command `outrider.agent.editSelection` that the "Edit selection with
-- instruction..." code action carries. The server answers `run` at once with `{taskId, token}`;
-- progress arrives as `$/progress` (see progress.lua) and the edits as `workspace/applyEdit`.
local M = {}

M.RUN = "outrider.agent.run"
M.CANCEL = "outrider.agent.cancel"
M.EDIT_SELECTION = "outrider.agent.editSelection"
M.MAX_INSTRUCTION = 4000

local levels = vim.log.levels

---@param message string
---@param level integer?
local function notify(message, level)
  vim.notify(message, level or levels.INFO, { title = "Outrider" })
end

--- The Outrider client for `bufnr` (else any running Outrider client), or nil after telling the user.
---@param bufnr integer?
---@return vim.lsp.Client?
function M.client_for(bufnr)
  local clients = vim.lsp.get_clients({ name = "outrider", bufnr = bufnr })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = "outrider" })
  end
  if #clients == 0 then
    notify("Outrider: the server is not running (see :checkhealth outrider)", levels.ERROR)
    return nil
  end
  return clients[1]
end

--- Byte column -> LSP character in `encoding` for one line of `bufnr` (clamped to the line).
---@param bufnr integer
---@param row integer 0-based line
---@param col integer 0-based byte column
---@param encoding string
---@return integer
local function lsp_character(bufnr, row, col, encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  col = math.max(0, math.min(col, #line))
  return vim.str_utfindex(line, encoding, col, false)
end

--- The LSP range of the last visual selection or a line range, in the client's position encoding.
--- `mode`: "v" (characters, `'<` to `'>` inclusive), otherwise whole lines `line1`..`line2` (1-based).
---@param bufnr integer
---@param mode string
---@param line1 integer
---@param line2 integer
---@param encoding string
---@return lsp.Range
function M.selection_range(bufnr, mode, line1, line2, encoding)
  if mode == "v" then
    local from = vim.api.nvim_buf_get_mark(bufnr, "<")
    local to = vim.api.nvim_buf_get_mark(bufnr, ">")
    local last = vim.api.nvim_buf_get_lines(bufnr, to[1] - 1, to[1], false)[1] or ""
    local end_col = to[2]
    if vim.o.selection ~= "exclusive" and end_col < #last then
      end_col = end_col + 1 + vim.str_utf_end(last, end_col + 1) -- past the last selected character
    end
    return {
      start = { line = from[1] - 1, character = lsp_character(bufnr, from[1] - 1, from[2], encoding) },
      ["end"] = { line = to[1] - 1, character = lsp_character(bufnr, to[1] - 1, end_col, encoding) },
    }
  end
  return {
    start = { line = line1 - 1, character = 0 },
    ["end"] = { line = line2 - 1, character = lsp_character(bufnr, line2 - 1, math.huge, encoding) },
  }
end

--- The range a user command was given, or nil without one. `:'<,'>` after a characterwise
--- selection uses its exact columns; any other range means whole lines.
---@param bufnr integer
---@param cmd { range: integer, line1: integer, line2: integer }
---@param encoding string
---@return lsp.Range?
function M.command_range(bufnr, cmd, encoding)
  if cmd.range == 0 then
    return nil
  end
  local from_visual = cmd.line1 == vim.fn.line("'<") and cmd.line2 == vim.fn.line("'>")
  local mode = from_visual and vim.fn.visualmode() or "V"
  return M.selection_range(bufnr, mode, cmd.line1, cmd.line2, encoding)
end

--- The trimmed instruction, or nil (and why) when it cannot be sent.
---@param text string?
---@return string?, string?
function M.clean_instruction(text)
  local instruction = vim.trim(text or "")
  if instruction == "" then
    return nil, "Outrider: no instruction given; nothing was run"
  end
  if vim.fn.strchars(instruction) > M.MAX_INSTRUCTION then
    return nil, string.format("Outrider: the instruction is longer than %d characters", M.MAX_INSTRUCTION)
  end
  return instruction, nil
end

--- Ask for an instruction with `vim.ui.input` (unless `given`), then call `on_instruction` with it.
---@param given string?
---@param on_instruction fun(instruction: string)
function M.with_instruction(given, on_instruction)
  local function accept(text)
    if text == nil then
      return -- the prompt was dismissed
    end
    local instruction, problem = M.clean_instruction(text)
    if instruction then
      on_instruction(instruction)
    else
      notify(problem --[[@as string]], levels.WARN)
    end
  end
  if given and vim.trim(given) ~= "" then
    accept(given)
  else
    vim.ui.input({ prompt = "Outrider instruction: " }, accept)
  end
end

--- Send `outrider.agent.run` with `{instruction, uri?, range?}`.
---@param client vim.lsp.Client
---@param arguments { instruction: string, uri: string?, range: lsp.Range? }
---@param bufnr integer?
function M.start(client, arguments, bufnr)
  local params = { command = M.RUN, arguments = { arguments } }
  client:request("workspace/executeCommand", params, function(err, result)
    if err then
      notify("Outrider: could not start the agent: " .. (err.message or vim.inspect(err)), levels.ERROR)
    elseif type(result) ~= "table" or not result.taskId then
      notify("Outrider: the server did not start a task (answer: " .. vim.inspect(result) .. ")", levels.ERROR)
    end
  end, bufnr)
end

--- The document of `bufnr` as a file URI, or nil for buffers that are not files.
---@param bufnr integer
---@return string?
function M.file_uri(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  return vim.uri_from_bufnr(bufnr)
end

--- `:OutriderRun [instruction]`: run the agent on the command's range, else on the whole buffer.
---@param cmd { args: string, range: integer, line1: integer, line2: integer }
function M.run_command(cmd)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client_for(bufnr)
  if not client then
    return
  end
  local uri = M.file_uri(bufnr)
  local range = uri and M.command_range(bufnr, cmd, client.offset_encoding) or nil
  M.with_instruction(cmd.args, function(instruction)
    M.start(client, { instruction = instruction, uri = uri, range = range }, bufnr)
  end)
end

--- `:OutriderCancel [taskId]`: cancel that task, or every running one.
---@param task_id string?
function M.cancel(task_id)
  local client = M.client_for(vim.api.nvim_get_current_buf())
  if not client then
    return
  end
  local argument = (task_id and task_id ~= "") and { taskId = task_id } or vim.empty_dict()
  client:request("workspace/executeCommand", { command = M.CANCEL, arguments = { argument } }, function(err, result)
    if err then
      notify("Outrider: cancel failed: " .. (err.message or vim.inspect(err)), levels.ERROR)
      return
    end
    local cancelled = type(result) == "table" and result.cancelled or {}
    if #cancelled == 0 then
      notify("Outrider: no running task to cancel")
    else
      notify("Outrider: cancelling " .. table.concat(cancelled, ", "))
    end
  end)
end

--- Client-side `outrider.agent.editSelection {uri, range}` (from the code action): ask for the
--- instruction, then run the agent on that range.
---@param command lsp.Command
---@param ctx { client_id: integer, bufnr: integer }
function M.edit_selection(command, ctx)
  local location = command.arguments and command.arguments[1]
  if type(location) ~= "table" or type(location.uri) ~= "string" then
    notify("Outrider: " .. M.EDIT_SELECTION .. " needs one {uri, range} argument", levels.ERROR)
    return
  end
  local client = vim.lsp.get_client_by_id(ctx.client_id) or M.client_for(ctx.bufnr)
  if not client then
    return
  end
  M.with_instruction(nil, function(instruction)
    M.start(client, { instruction = instruction, uri = location.uri, range = location.range }, ctx.bufnr)
  end)
end

return M
