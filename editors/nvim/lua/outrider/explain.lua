-- `:OutriderExplain`: what is traced about the last suggestion (or one trace id), from the server's
-- `outrider.explain`: `{trace_id, model, latency_ms, confidence, confidence_source, signals,
-- verdict, call = {provider, cost_usd, total_s, ...}}`.
--
-- Accepting a suggestion (the accept key, i.e. `vim.lsp.inline_completion.get()`) runs the item's
-- `command`, `outrider.suggestion.accepted(traceId)`: the server records the acceptance.
local M = {}

M.EXPLAIN = "outrider.explain"

--- The explanation as lines of text.
---@param result table
---@return string[]
function M.describe(result)
  local lines = { "Outrider suggestion " .. tostring(result.trace_id) }
  table.insert(lines, "  model: " .. tostring(result.model))
  if type(result.latency_ms) == "number" then
    table.insert(lines, string.format("  latency: %.0f ms", result.latency_ms))
  end
  if type(result.confidence) == "number" then
    local signals = type(result.signals) == "table" and #result.signals > 0
        and (", " .. table.concat(result.signals, ", ")) or ""
    table.insert(lines, string.format("  confidence: %.2f (%s%s)", result.confidence,
      tostring(result.confidence_source), signals))
  end
  local call = type(result.call) == "table" and result.call or nil
  if call and type(call.cost_usd) == "number" then
    table.insert(lines, string.format("  cost: %s", require("outrider.cost").dollars(call.cost_usd)))
  end
  if result.verdict ~= nil and result.verdict ~= vim.NIL then
    table.insert(lines, "  verdict: " .. tostring(result.verdict))
  end
  return lines
end

--- Ask the server and show the explanation. `on_result` also gets the raw answer (nil: nothing to explain).
---@param client vim.lsp.Client
---@param trace_id string?
---@param on_result fun(result: table?)?
function M.show(client, trace_id, on_result)
  local arguments = trace_id and { trace_id } or {}
  client:request("workspace/executeCommand", { command = M.EXPLAIN, arguments = arguments }, function(err, result)
    if err then
      vim.notify("Outrider: could not explain: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR,
        { title = "Outrider" })
      return
    end
    if type(result) ~= "table" then
      vim.notify("Outrider: no suggestion to explain yet", vim.log.levels.INFO, { title = "Outrider" })
    else
      vim.notify(table.concat(M.describe(result), "\n"), vim.log.levels.INFO, { title = "Outrider" })
    end
    if on_result then
      on_result(type(result) == "table" and result or nil)
    end
  end)
end

return M
