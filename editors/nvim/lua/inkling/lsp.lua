-- Starting `inkling serve` through Neovim's LSP client and talking to it,
-- across Neovim 0.7 (start_client + buf_attach_client) and 0.8+ (vim.lsp.start).
local config = require('inkling.config')

local M = {}

local has = function(v) return vim.fn.has('nvim-' .. v) == 1 end
local uv = vim.uv or vim.loop

-- Listeners for $/progress values, by partial result token.
M.progress = {}
-- The server's last didChangeStatus, and our own view of the connection.
M.server_status = nil
M.state = 'stopped' -- stopped | starting | running | exited
M.last_error = nil

local on_status = {} -- callbacks run after any status change

function M.on_status(fn)
  table.insert(on_status, fn)
end

local function status_changed()
  for _, fn in ipairs(on_status) do
    pcall(fn)
  end
end

-- busy_changed tells statuslines that a request started or ended.
function M.busy_changed()
  status_changed()
end

-- set_error records the last failed request (nil: the last one worked).
function M.set_error(msg)
  if M.last_error ~= msg then
    M.last_error = msg
    status_changed()
  end
end

-- Methods are called with ':' from 0.11 on; the '.' form warns there.
function M.request(client, method, params, handler, buf)
  if has('0.11') then
    return client:request(method, params, handler, buf)
  end
  return client.request(method, params, handler, buf)
end

function M.notify(client, method, params)
  if has('0.11') then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel(client, id)
  if has('0.11') then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

local function get_clients(filter)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  local out = {}
  for _, c in pairs(vim.lsp.get_active_clients()) do
    local attached = not filter.bufnr or vim.lsp.buf_is_attached(filter.bufnr, c.id)
    if (not filter.name or c.name == filter.name) and attached then
      table.insert(out, c)
    end
  end
  return out
end

-- client returns the inkling client attached to buf, if any.
function M.client(buf)
  return get_clients({ name = 'inkling', bufnr = buf })[1]
end

function M.clients()
  return get_clients({ name = 'inkling' })
end

local function root_dir(file)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  local d = dir
  while d and d ~= '' do
    for _, m in ipairs(config.options.root_markers) do
      if uv.fs_stat(d .. '/' .. m) then
        return d
      end
    end
    local parent = vim.fn.fnamemodify(d, ':h')
    if parent == d then
      break
    end
    d = parent
  end
  return dir
end

local handlers = {
  -- Partial results of our own requests arrive as $/progress with the token we
  -- chose; anything else is work-done progress for Neovim's usual handler.
  ['$/progress'] = function(err, result, ctx, cfg)
    local fn = result and M.progress[result.token]
    if fn then
      fn(result.value)
      return
    end
    local default = vim.lsp.handlers['$/progress']
    if default then
      return default(err, result, ctx, cfg)
    end
  end,
  didChangeStatus = function(_, result)
    M.server_status = result
    status_changed()
  end,
}
handlers['inkling/didChangeStatus'] = handlers.didChangeStatus

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  -- 0.7-0.11 don't announce LSP 3.18 inline completion; we implement it.
  caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion or { dynamicRegistration = false }
  return caps
end

local function client_config(buf)
  local opts = config.options
  local file = vim.api.nvim_buf_get_name(buf)
  local settings = vim.deepcopy(opts.settings or {})
  settings.enable = opts.enabled
  return {
    name = 'inkling',
    cmd = opts.cmd,
    cmd_env = opts.cmd_env,
    root_dir = root_dir(file),
    init_options = settings,
    settings = { inkling = settings },
    capabilities = capabilities(),
    handlers = handlers,
    -- 0.7 waits 150 ms before sending didChange by default; requests flush
    -- pending changes anyway, and a completion server wants them promptly.
    flags = { debounce_text_changes = 0 },
    on_init = function()
      M.state = 'running'
      status_changed()
    end,
    on_exit = function(code, signal)
      M.state = 'exited'
      if code ~= 0 then
        M.last_error = ('inkling exited with code %d, signal %d (see :Inkling log)'):format(code, signal or 0)
      end
      status_changed()
    end,
  }
end

local clients07 = {} -- root_dir -> client id, for 0.7 where vim.lsp.start is missing

-- attach starts (or reuses) the server for buf's project and attaches buf.
-- It returns the client id, or nil for buffers that get no suggestions.
function M.attach(buf)
  if vim.bo[buf].buftype ~= '' or vim.api.nvim_buf_get_name(buf) == '' then
    return nil
  end
  if not config.filetype_enabled(vim.bo[buf].filetype) then
    return nil
  end
  local existing = M.client(buf)
  if existing then
    return existing.id
  end
  if vim.fn.executable(config.options.cmd[1]) ~= 1 then
    M.last_error = ('%s is not executable: install inkling or set cmd in setup{}'):format(config.options.cmd[1])
    status_changed()
    return nil
  end
  local cfg = client_config(buf)
  if M.state ~= 'running' then
    M.state = 'starting'
  end
  local id
  if vim.lsp.start then
    id = vim.lsp.start(cfg, { bufnr = buf })
  else
    id = clients07[cfg.root_dir]
    local c = id and vim.lsp.get_client_by_id(id)
    if not c or c.is_stopped() then
      id = vim.lsp.start_client(cfg)
      clients07[cfg.root_dir] = id
    end
    if id then
      vim.lsp.buf_attach_client(buf, id)
    end
  end
  status_changed()
  return id
end

-- configure sends the current settings to every running inkling server.
function M.configure()
  local settings = vim.deepcopy(config.options.settings or {})
  settings.enable = config.options.enabled
  for _, c in ipairs(M.clients()) do
    c.config.settings = { inkling = settings }
    M.notify(c, 'workspace/didChangeConfiguration', { settings = { inkling = settings } })
  end
end

return M
