-- The plugin's own inline completion: asking the server with
-- textDocument/inlineCompletion (partial results stream in as $/progress),
-- showing the answer as ghost text, cycling, and accepting all or part of it.
--
-- One suggestion exists at a time, in the buffer being edited. An item is
-- anchored where its text starts in the buffer; while what the user types
-- matches the item, the rest of it stays on screen without asking again.
local config = require('inkling.config')
local ghost = require('inkling.ghost')
local lsp = require('inkling.lsp')
local position = require('inkling.position')

local M = {}

local uv = vim.uv or vim.loop
local api = vim.api

local Automatic, Invoked = 2, 1

local S = {
  buf = nil, -- buffer the items belong to
  items = nil, -- { { text, srow, scol, tail } }
  index = 1,
  req = nil, -- the request in flight: { client, id, token, buf, row, col, tick, cycle }
  shown = nil, -- { row, col, text } of the ghost text on screen
}
local timer = uv.new_timer()
local seq = 0

local function insert_mode()
  local m = api.nvim_get_mode().mode
  return m:sub(1, 1) == 'i'
end

local function cursor()
  local c = api.nvim_win_get_cursor(0)
  return c[1] - 1, c[2]
end

-- convert makes an item from the server's InlineCompletionItem. (crow, ccol)
-- is the cursor the request was made at.
local function convert(buf, client, item, crow, ccol)
  local text = item.insertText
  if type(text) == 'table' then
    text = text.value or ''
  end
  if type(text) ~= 'string' or text == '' then
    return nil
  end
  local it = { text = text, srow = crow, scol = ccol, tail = 0, command = item.command, client = client }
  if item.range then
    local enc = client.offset_encoding or 'utf-16'
    it.srow, it.scol = position.to_bytes(buf, item.range.start, enc)
    local erow, ecol = position.to_bytes(buf, item.range['end'], enc)
    if erow == crow and ecol > ccol then
      it.tail = ecol - ccol -- the suggestion replaces text after the cursor too
    end
  end
  return it
end

-- remaining is the part of item not typed yet with the cursor at (r, c), or
-- nil when what is in the buffer no longer matches the item.
local function remaining(buf, item, r, c)
  if r < item.srow or (r == item.srow and c < item.scol) then
    return nil
  end
  local ok, typed = pcall(api.nvim_buf_get_text, buf, item.srow, item.scol, r, c, {})
  if not ok then
    return nil
  end
  typed = table.concat(typed, '\n')
  if item.text:sub(1, #typed) ~= typed then
    return nil
  end
  return item.text:sub(#typed + 1)
end

local function current()
  local buf = api.nvim_get_current_buf()
  local item = S.items and S.buf == buf and S.items[S.index]
  if not item then
    return nil
  end
  local r, c = cursor()
  local rest = remaining(buf, item, r, c)
  if not rest or rest == '' then
    return nil
  end
  return { item = item, rest = rest, buf = buf, row = r, col = c }
end

local function hide()
  if S.buf then
    ghost.clear(S.buf)
  end
  S.shown = nil
end

-- show draws the current item at the cursor; false when there is none to draw.
function M.show()
  local cur = insert_mode() and current()
  if not cur then
    hide()
    return false
  end
  if S.shown and S.shown.row == cur.row and S.shown.col == cur.col and S.shown.text == cur.rest then
    return true
  end
  ghost.show(cur.buf, cur.row, cur.col, cur.rest)
  S.shown = { row = cur.row, col = cur.col, text = cur.rest }
  return true
end

function M.cancel()
  local req = S.req
  S.req = nil
  if req then
    lsp.progress[req.token] = nil
    if req.id then
      pcall(lsp.cancel, req.client, req.id)
    end
    lsp.busy_changed()
  end
end

-- clear forgets the suggestion and any request for one.
function M.clear()
  timer:stop()
  M.cancel()
  hide()
  S.items = nil
end

local function set_items(req, items, partial)
  local list = {}
  for _, it in ipairs(items or {}) do
    local item = convert(req.buf, req.client, it, req.row, req.col)
    if item then
      table.insert(list, item)
    end
  end
  if req.cycle and S.items and S.buf == req.buf and not partial then
    -- Next/previous asked for more: keep what we have, add what is new.
    local seen, n = {}, #S.items
    for _, it in ipairs(S.items) do
      seen[it.text] = true
    end
    for _, it in ipairs(list) do
      if not seen[it.text] then
        seen[it.text] = true
        table.insert(S.items, it)
      end
    end
    if #S.items > n or n > 1 then
      S.index = (S.index - 1 + req.cycle) % #S.items + 1
    end
  elseif req.cycle and partial then
    return -- cycling shows only whole answers
  else
    S.items = list
    S.index = 1
  end
  S.buf = req.buf
  M.show()
end

-- request asks the server for a suggestion at the cursor. kind is 1 (invoked)
-- or 2 (automatic); cycle is +1/-1 when next/previous asked for more.
function M.request(kind, cycle)
  local buf = api.nvim_get_current_buf()
  local client = lsp.client(buf)
  if not client then
    return false
  end
  M.cancel()
  local r, c = cursor()
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or 'utf-16')
  params.context = { triggerKind = kind }
  seq = seq + 1
  local req = {
    client = client,
    token = 'inkling/' .. seq,
    buf = buf,
    row = r,
    col = c,
    tick = api.nvim_buf_get_changedtick(buf),
    cycle = cycle,
  }
  params.partialResultToken = req.token
  S.req = req
  lsp.progress[req.token] = function(value)
    if S.req ~= req or type(value) ~= 'table' then
      return
    end
    local items = value.items or value
    if type(items) == 'table' and #items > 0 then
      set_items(req, items, true)
    end
  end
  local ok, id = lsp.request(client, 'textDocument/inlineCompletion', params, function(err, result)
    lsp.progress[req.token] = nil
    if S.req ~= req then
      return -- superseded or cancelled
    end
    S.req = nil
    lsp.busy_changed()
    if err then
      if err.code ~= -32800 then
        lsp.set_error(err.message or vim.inspect(err))
      end
      return
    end
    lsp.set_error(nil)
    set_items(req, result and (result.items or result) or {}, false)
  end, buf)
  if not ok then
    S.req = nil
    lsp.progress[req.token] = nil
    return false
  end
  req.id = id
  lsp.busy_changed()
  return true
end

-- on_change runs after the text or the cursor moved in insert mode: keep
-- showing a suggestion the user is typing through, else ask after a pause.
function M.on_change()
  local buf = api.nvim_get_current_buf()
  if not config.options.enabled or not lsp.client(buf) then
    return
  end
  if M.show() then
    return
  end
  S.items = nil
  local r, c = cursor()
  local req = S.req
  if req and req.buf == buf and req.row == r and req.col == c and req.tick == api.nvim_buf_get_changedtick(buf) then
    return -- already asking about exactly this
  end
  M.cancel()
  if not config.options.auto_trigger then
    return
  end
  timer:stop()
  timer:start(config.options.debounce_ms, 0, vim.schedule_wrap(function()
    if insert_mode() and api.nvim_get_current_buf() == buf and config.options.enabled then
      M.request(Automatic)
    end
  end))
end

-- accept inserts the suggestion, or its next word or line, at the cursor.
-- It returns false when no suggestion is showing.
function M.accept(how)
  local cur = current()
  if not cur then
    return false
  end
  local rest, chunk = cur.rest, cur.rest
  if how == 'word' then
    chunk = rest:match('^[ \t]*\n?[ \t]*[%w_]+') or rest:match('^[ \t]*\n?[ \t]*[^%w_%s]+') or rest
  elseif how == 'line' then
    chunk = rest:match('^\n?[^\n]*')
  end
  local whole = chunk == rest
  local ecol = cur.col
  if whole and cur.item.tail > 0 then
    local line = api.nvim_buf_get_lines(cur.buf, cur.row, cur.row + 1, false)[1] or ''
    ecol = math.min(cur.col + cur.item.tail, #line)
  end
  local lines = vim.split(chunk, '\n', { plain = true })
  hide()
  if whole then
    S.items = nil
    M.cancel()
  end
  api.nvim_buf_set_text(cur.buf, cur.row, cur.col, cur.row, ecol, lines)
  local row = cur.row + #lines - 1
  local col = (#lines == 1 and cur.col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { row + 1, col })
  if not whole then
    M.show()
  elseif cur.item.command then
    -- As LSP has it: run the item's command after applying it (the server
    -- counts accepted suggestions this way).
    local c = cur.item.command
    lsp.request(cur.item.client, 'workspace/executeCommand', { command = c.command, arguments = c.arguments },
      function() end, cur.buf)
  end
  return true
end

-- cycle shows the next (+1) or previous (-1) suggestion, asking the server
-- for more when it has given only one. When it has no other, the same one
-- stays (statuslines show 1/1).
function M.cycle(dir)
  if S.items and S.buf == api.nvim_get_current_buf() and #S.items > 1 then
    S.index = (S.index - 1 + dir) % #S.items + 1
    M.show()
    return
  end
  M.request(Invoked, dir)
end

function M.trigger()
  timer:stop()
  M.request(Invoked)
end

function M.dismiss()
  if not M.visible() then
    return false
  end
  M.clear()
  return true
end

function M.visible()
  return S.shown ~= nil and current() ~= nil
end

-- get describes the suggestion on screen (for statuslines and tests).
function M.get()
  local cur = current()
  if not cur or not S.shown then
    return nil
  end
  return { text = cur.rest, full = cur.item.text, index = S.index, count = #S.items }
end

function M.busy()
  return S.req ~= nil
end

return M
