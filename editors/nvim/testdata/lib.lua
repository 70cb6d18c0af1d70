-- Helpers shared by the headless test sessions (loaded with dofile). Steps are
-- chained with t.after(cond, timeout, what, next), which polls cond on the
-- event loop, so that the editor keeps running between steps as it would
-- for a user.
local t = {}

vim.g.loaded_python3_provider = 0 -- the has('python3') probe costs ~0.7 s
local uv = vim.uv or vim.loop
local t0 = uv.hrtime()
local logf = assert(io.open(assert(vim.env.INKLING_TEST_LOG, 'INKLING_TEST_LOG unset'), 'a'))

function t.log(fmt, ...)
  logf:write(('[%5d ms] '):format(math.floor((uv.hrtime() - t0) / 1e6)) .. fmt:format(...) .. '\n')
  logf:flush()
end

local done = false
local function finish(code, msg)
  if done then
    return
  end
  done = true
  t.log('%s: %s', code == 0 and 'PASS' or 'FAIL', msg)
  logf:close()
  vim.cmd(code == 0 and 'qall!' or ('cquit ' .. code))
end

function t.fail(fmt, ...)
  finish(1, fmt:format(...))
end

function t.pass(msg)
  finish(0, msg)
end

-- A hung editor must not hang the test run.
vim.defer_fn(function()
  finish(2, 'watchdog: session took too long')
end, tonumber(vim.env.INKLING_TEST_TIMEOUT_MS or '20000'))

-- after polls cond every 5 ms; once true it runs k, after timeout ms it fails
-- with what (a string, or a function returning one).
function t.after(cond, timeout, what, k)
  local deadline = uv.now() + timeout
  local function tick()
    if done then
      return
    end
    local ok, res = pcall(cond)
    if not ok then
      return t.fail('%s', res)
    end
    if res then
      local ok2, err = pcall(k)
      if not ok2 then
        t.fail('%s', err)
      end
      return
    end
    if uv.now() > deadline then
      return t.fail('%s', type(what) == 'function' and what() or what)
    end
    vim.defer_fn(tick, 5)
  end
  tick()
end

-- type feeds keys through the event loop like typing; flags 'm' lets
-- mappings apply, 'n' does not.
function t.type(keys, flags)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), flags, false)
end

-- setup opens $INKLING_TEST_FILE and starts the plugin with opts.
function t.setup(opts)
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.INKLING_TEST_FILE))
  local base = { cmd = vim.fn.json_decode(vim.env.INKLING_TEST_CMD), debounce_ms = 20 }
  require('inkling').setup(vim.tbl_deep_extend('force', base, opts or {}))
  vim.api.nvim_win_set_cursor(0, { tonumber(vim.env.INKLING_TEST_LINE or '1'), 0 })
end

function t.attached()
  local c = require('inkling.lsp').client(0)
  return c ~= nil and c.initialized == true
end

function t.line()
  return vim.api.nvim_get_current_line()
end

-- ghost returns the ghost text on screen, read back from the extmarks of the
-- plugin or of Neovim's built-in inline completion: { text, row, col, pos }.
function t.ghost()
  for _, name in ipairs({ 'inkling', 'nvim.lsp.inline_completion' }) do
    local ns = vim.api.nvim_get_namespaces()[name]
    local m = ns and vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })[1]
    if m then
      local d = m[4]
      local parts = {}
      for _, chunk in ipairs(d.virt_text or {}) do
        if chunk[2] == 'InklingSuggestion' or chunk[2] == 'ComplHint' then
          table.insert(parts, chunk[1])
        end
      end
      for _, vl in ipairs(d.virt_lines or {}) do
        table.insert(parts, '\n' .. vl[1][1])
      end
      return { text = table.concat(parts), row = m[2], col = m[3], pos = d.virt_text_pos or 'none' }
    end
  end
  return nil
end

return t
