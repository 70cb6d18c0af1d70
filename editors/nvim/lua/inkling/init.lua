-- Inkling for Neovim: AI code suggestions from the `inkling` language server,
-- shown as ghost text. require('inkling').setup{} starts it; see README.md.
local config = require('inkling.config')
local lsp = require('inkling.lsp')
local suggest = require('inkling.suggest')

local M = {}

local api = vim.api

-- builtin reports whether Neovim's own vim.lsp.inline_completion draws the
-- suggestions (0.12+, opted in with builtin = true).
local function builtin()
  return config.options.builtin and vim.lsp.inline_completion ~= nil
end
M.builtin = builtin

local function notify(msg, level)
  vim.notify('inkling: ' .. msg, level or vim.log.levels.INFO)
end

-- Accepting part of a suggestion drawn by vim.lsp.inline_completion: insert
-- the chunk ourselves, at the cursor, instead of the whole item.
local function builtin_accept_part(how)
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      if type(item.insert_text) ~= 'string' then
        return item
      end
      local row, col = api.nvim_win_get_cursor(0)[1] - 1, api.nvim_win_get_cursor(0)[2]
      local typed = ''
      if item.range then
        local srow, scol = item.range:to_extmark()
        local ok, t = pcall(api.nvim_buf_get_text, 0, srow, scol, row, col, {})
        typed = ok and table.concat(t, '\n') or ''
      end
      if item.insert_text:sub(1, #typed) ~= typed then
        return item
      end
      local rest = item.insert_text:sub(#typed + 1)
      local chunk = how == 'word' and (rest:match('^[ \t]*\n?[ \t]*[%w_]+') or rest:match('^[ \t]*\n?[ \t]*[^%w_%s]+'))
        or rest:match('^\n?[^\n]*')
      local lines = vim.split(chunk or rest, '\n', { plain = true })
      api.nvim_buf_set_text(0, row, col, row, col, lines)
      api.nvim_win_set_cursor(0, { row + #lines, (#lines == 1 and col or 0) + #lines[#lines] })
      return nil
    end,
  })
end

-- Public actions, for mappings of your own. Each returns true when it did something.
function M.accept()
  if builtin() then
    return vim.lsp.inline_completion.get()
  end
  return suggest.accept('all')
end

function M.accept_word()
  if builtin() then
    return builtin_accept_part('word')
  end
  return suggest.accept('word')
end

function M.accept_line()
  if builtin() then
    return builtin_accept_part('line')
  end
  return suggest.accept('line')
end

function M.next()
  if builtin() then
    return vim.lsp.inline_completion.select({ count = 1 })
  end
  return suggest.cycle(1)
end

function M.prev()
  if builtin() then
    return vim.lsp.inline_completion.select({ count = -1 })
  end
  return suggest.cycle(-1)
end

function M.dismiss()
  if builtin() then
    -- 0.12 has no dismiss; switching it off and on for the buffer drops
    -- the suggestion and its requests.
    local filter = { bufnr = api.nvim_get_current_buf() }
    vim.lsp.inline_completion.enable(false, filter)
    vim.lsp.inline_completion.enable(true, filter)
    return true
  end
  return suggest.dismiss()
end

function M.trigger()
  return suggest.trigger()
end

-- visible reports whether a suggestion is on screen (the plugin's own path).
function M.visible()
  return suggest.visible()
end

-- get describes the suggestion on screen: { text, full, index, count }, or nil.
function M.get()
  return suggest.get()
end

-- status_info is the state behind status(), as a table.
function M.status_info()
  local s = lsp.server_status or {}
  local sug = suggest.get()
  return {
    enabled = config.options.enabled,
    attached = lsp.client(api.nvim_get_current_buf()) ~= nil,
    client = lsp.state,
    kind = s.kind,
    message = s.message or lsp.last_error,
    busy = suggest.busy() or s.busy == true,
    error = lsp.last_error,
    suggestion = sug and ('%d/%d'):format(sug.index, sug.count) or nil,
  }
end

-- status is a short text for statuslines, e.g. set
-- statusline+=%{v:lua.require'inkling'.status()}
function M.status()
  local i = M.status_info()
  if not i.enabled then
    return 'Inkling: off'
  end
  if i.error then
    return 'Inkling: error: ' .. i.error
  end
  if i.kind == 'Error' or i.kind == 'Warning' then
    return ('Inkling: %s: %s'):format(i.kind:lower(), i.message or '')
  end
  if i.kind == 'Inactive' then
    return 'Inkling: inactive' .. (i.message and i.message ~= '' and (': ' .. i.message) or '')
  end
  if i.client == 'starting' then
    return 'Inkling: starting'
  end
  if i.busy then
    return 'Inkling: ...'
  end
  if i.suggestion then
    return 'Inkling: ' .. i.suggestion
  end
  return 'Inkling'
end

function M.enable()
  config.options.enabled = true
  lsp.configure()
  M.attach(api.nvim_get_current_buf())
end

function M.disable()
  config.options.enabled = false
  suggest.clear()
  lsp.configure()
end

-- show_status prints what the plugin and the server say about themselves.
function M.show_status()
  local lines = { M.status() }
  local client = lsp.client(api.nvim_get_current_buf())
  if not client then
    table.insert(lines, 'this buffer has no inkling server attached')
    notify(table.concat(lines, '\n'))
    return
  end
  lsp.request(client, 'inkling/status', vim.NIL, function(err, res)
    if err then
      table.insert(lines, 'server: ' .. (err.message or vim.inspect(err)))
    elseif type(res) == 'table' then
      table.insert(lines, ('provider %s, model %s, endpoint %s'):format(
        tostring(res.provider), tostring(res.model), tostring(res.endpoint)))
      table.insert(lines, ('server status %s%s'):format(tostring(res.kind),
        res.message and res.message ~= '' and (': ' .. res.message) or ''))
    end
    notify(table.concat(lines, '\n'))
  end, api.nvim_get_current_buf())
end

function M.open_log()
  vim.cmd('split ' .. vim.fn.fnameescape(vim.lsp.get_log_path()))
end

-- command runs :Inkling {args}.
function M.command(args)
  local sub = args ~= '' and args or 'status'
  local fns = {
    status = M.show_status,
    enable = M.enable,
    disable = M.disable,
    toggle = function()
      if config.options.enabled then M.disable() else M.enable() end
    end,
    log = M.open_log,
  }
  if not fns[sub] then
    notify('unknown subcommand ' .. sub .. ' (status, enable, disable, toggle, log)', vim.log.levels.ERROR)
    return
  end
  fns[sub]()
end

function M.attach(buf)
  if not config.options.enabled then
    return nil
  end
  return lsp.attach(buf)
end

-- showing reports whether a suggestion is on screen, drawn by us or by Neovim.
local function showing()
  if builtin() then
    local ns = api.nvim_create_namespace('nvim.lsp.inline_completion')
    return #api.nvim_buf_get_extmarks(0, ns, 0, -1, { limit = 1 }) > 0
  end
  return suggest.visible()
end

local function map(lhs, action, fallback)
  if not lhs then
    return
  end
  local desc = 'inkling: ' .. action
  if fallback then
    -- Only when a suggestion is showing does the key act; otherwise it keeps
    -- its usual meaning. The action itself runs from <Cmd>, outside the
    -- textlock of an <expr> mapping, and before any key typed after it.
    vim.keymap.set('i', lhs, function()
      if showing() then
        return ('<Cmd>lua require("inkling").%s()<CR>'):format(action)
      end
      return lhs
    end, { expr = true, silent = true, desc = desc })
  else
    vim.keymap.set('i', lhs, ('<Cmd>lua require("inkling").%s()<CR>'):format(action), { silent = true, desc = desc })
  end
end

local group

function M.setup(opts)
  config.set(opts)
  vim.cmd('highlight default link InklingSuggestion Comment')
  group = api.nvim_create_augroup('inkling', { clear = true })

  api.nvim_create_autocmd({ 'BufEnter', 'FileType' }, {
    group = group,
    callback = function(ev)
      M.attach(ev.buf)
    end,
  })
  if builtin() then
    api.nvim_create_autocmd('LspAttach', {
      group = group,
      callback = function(ev)
        local client = vim.lsp.get_client_by_id(ev.data.client_id)
        if client and client.name == 'inkling' and config.options.enabled then
          -- By buffer: with a client_id too, 0.12 records the choice on the
          -- client only and is_enabled() then says false for the buffer.
          vim.lsp.inline_completion.enable(true, { bufnr = ev.buf })
        end
      end,
    })
  else
    api.nvim_create_autocmd({ 'InsertEnter', 'TextChangedI', 'TextChangedP', 'CursorMovedI' }, {
      group = group,
      callback = function()
        suggest.on_change()
      end,
    })
    api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
      group = group,
      callback = function()
        suggest.clear()
      end,
    })
  end

  local k = config.options.keymaps or {}
  map(k.accept, 'accept', true)
  map(k.accept_word, 'accept_word', true)
  map(k.accept_line, 'accept_line', true)
  map(k.dismiss, 'dismiss', true)
  map(k.next, 'next', false)
  map(k.prev, 'prev', false)
  if not builtin() then
    map(k.trigger, 'trigger', false)
  end

  if not M._status_hooked then
    M._status_hooked = true
    lsp.on_status(function()
      vim.schedule(function()
        vim.cmd('redrawstatus')
        api.nvim_exec_autocmds('User', { pattern = 'InklingStatus', modeline = false })
      end)
    end)
  end

  M.attach(api.nvim_get_current_buf())
end

return M
