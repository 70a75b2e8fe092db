-- `:OutriderCost`: today's and this month's spend, by feature, from the server's
-- `outrider.cost.summary` (`{today_usd, month_usd, by_feature, provider?, model?}`).
local M = {}

M.COST_SUMMARY = "outrider.cost.summary"

--- Dollars as people read them: cents, or four decimals below one cent.
---@param usd number
---@return string
function M.dollars(usd)
  if usd > 0 and usd < 0.01 then
    return string.format("$%.4f", usd)
  end
  return string.format("$%.2f", usd)
end

--- The summary as lines of text (features sorted by name).
---@param summary table
---@return string[]
function M.describe(summary)
  local today = tonumber(summary.today_usd) or 0
  local month = tonumber(summary.month_usd) or 0
  local lines = { string.format("Outrider spend: today %s, this month %s", M.dollars(today), M.dollars(month)) }
  local by_feature = type(summary.by_feature) == "table" and summary.by_feature or {}
  local names = vim.tbl_keys(by_feature)
  table.sort(names)
  for _, name in ipairs(names) do
    table.insert(lines, string.format("  %s today: %s", name, M.dollars(tonumber(by_feature[name]) or 0)))
  end
  if type(summary.provider) == "string" then
    local model = type(summary.model) == "string" and (" (" .. summary.model .. ")") or ""
    table.insert(lines, "  provider: " .. summary.provider .. model)
  end
  return lines
end

--- Ask the server and show the summary (kept in `:messages`). `on_summary` also gets the raw answer.
---@param client vim.lsp.Client
---@param on_summary fun(summary: table)?
function M.show(client, on_summary)
  client:request("workspace/executeCommand", { command = M.COST_SUMMARY, arguments = {} }, function(err, result)
    if err or type(result) ~= "table" then
      local why = err and (err.message or vim.inspect(err)) or ("unexpected answer " .. vim.inspect(result))
      vim.notify("Outrider: could not read the spend: " .. why, vim.log.levels.ERROR, { title = "Outrider" })
      return
    end
    vim.notify(table.concat(M.describe(result), "\n"), vim.log.levels.INFO, { title = "Outrider" })
    if on_summary then
      on_summary(result)
    end
  end)
end

return M
