-- Headless session driven by nvim_test.go: open a Go file, type, wait for the
-- ghost text (recording the partial ones drawn while the answer streams),
-- accept it with <Tab>, save. Exit status 0 means it passed; every step is
-- logged to $INKLING_TEST_LOG, which the Go test prints.
--
-- Environment: INKLING_TEST_CMD (JSON list: the server command),
-- INKLING_TEST_FILE, INKLING_TEST_TYPE (keys typed after `o` on line
-- INKLING_TEST_LINE), INKLING_TEST_GHOST (the ghost text expected after
-- typing), INKLING_TEST_BUILTIN=1 to use Neovim 0.12's vim.lsp.inline_completion.
local t = dofile(vim.env.INKLING_TEST_LIB)

local builtin = vim.env.INKLING_TEST_BUILTIN == '1'
t.setup({ builtin = builtin })
local v = vim.version()
t.log('neovim %d.%d.%d, builtin=%s', v.major, v.minor, v.patch, tostring(builtin))

local want = vim.env.INKLING_TEST_GHOST
local seen, order = {}, {}
t.after(t.attached, 5000, 'server did not start', function()
  t.type('o' .. (vim.env.INKLING_TEST_TYPE or ''), 'n')
  t.after(function()
    local g = t.ghost()
    if g and not seen[g.text] then
      seen[g.text] = true
      table.insert(order, g.text)
    end
    return g and g.text == want
  end, 8000, function()
    return 'ghost text never became ' .. vim.inspect(want) .. ', saw ' .. vim.inspect(order)
  end, function()
    local g = t.ghost()
    t.log('ghost text %q at row %d col %d, drawn %s; all drawn: %s', g.text, g.row, g.col, g.pos, vim.inspect(order))
    -- Neovim's own inline completion overlays the typed part when the item's
    -- range covers it; the plugin always draws inline where it can.
    local wantpos = vim.fn.has('nvim-0.10') == 1 and 'inline' or 'overlay'
    if g.pos ~= wantpos and not (builtin and g.pos == 'overlay') then
      return t.fail('ghost text drawn %s, want %s', g.pos, wantpos)
    end
    if not builtin then
      local partial = false
      for _, s in ipairs(order) do
        partial = partial or (#s < #want and want:sub(1, #s) == s)
      end
      if not partial then
        return t.fail('no partial ghost text drawn while the answer streamed: %s', vim.inspect(order))
      end
      if require('inkling').status() == 'Inkling: off' then
        return t.fail('status says off')
      end
      t.log('status: %s', require('inkling').status())
    end
    local before = t.line()
    t.type('<Tab>', 'm')
    t.after(function() return t.line() ~= before end, 2000, 'Tab did not accept', function()
      t.log('after <Tab>: %q', t.line())
      -- Let the scheduled accept finish before leaving insert mode.
      t.type('<Esc>', 'n')
      t.after(function() return vim.api.nvim_get_mode().mode == 'n' end, 2000, 'no normal mode', function()
        vim.cmd('write')
        t.pass('ghost text shown, accepted and saved')
      end)
    end)
  end)
end)
