-- Headless session driven by nvim_test.go on Neovim 0.12 with builtin = true:
-- Neovim's vim.lsp.inline_completion draws the suggestion and the plugin's
-- keys drive it: accept a word (<M-Right>), dismiss (<C-]>), type on until a
-- suggestion is back, accept it (<Tab>). Environment as for ghost_test.lua;
-- INKLING_TEST_NEXT is typed after dismissing, INKLING_TEST_FULL is the line
-- expected at the end.
local t = dofile(vim.env.INKLING_TEST_LIB)

t.setup({ builtin = true })
local v = vim.version()
t.log('neovim %d.%d.%d, builtin', v.major, v.minor, v.patch)

local function accept_rest()
  t.type('<Tab>', 'm')
  t.after(function() return t.line() == vim.env.INKLING_TEST_FULL end, 2000,
    function() return ('after <Tab> the line is %q'):format(t.line()) end, function()
      t.log('accepted: %q', t.line())
      t.type('<Esc>', 'n')
      t.after(function() return vim.api.nvim_get_mode().mode == 'n' end, 2000, 'no normal mode', function()
        vim.cmd('write')
        t.pass('built-in inline completion: accept word, dismiss, accept')
      end)
    end)
end

local function dismiss(partial)
  t.type('<C-]>', 'm')
  t.after(function() return t.ghost() == nil end, 2000, '<C-]> did not dismiss', function()
    t.log('dismissed; line %q', t.line())
    if t.line() ~= partial then
      return t.fail('dismiss changed the line: %q', t.line())
    end
    -- Typing the next character of the suggestion brings one back.
    t.type(vim.env.INKLING_TEST_NEXT, 'n')
    t.after(function() return t.ghost() ~= nil end, 5000, 'no suggestion after typing on', accept_rest)
  end)
end

t.after(t.attached, 5000, 'server did not start', function()
  t.type('o' .. (vim.env.INKLING_TEST_TYPE or ''), 'n')
  t.after(function() return t.ghost() ~= nil end, 8000, 'no ghost text', function()
    local before, g = t.line(), t.ghost()
    local word = g.text:match('^[ \t]*[%w_]+') or g.text:match('^[ \t]*[^%w_%s]+')
    t.log('ghost text %q, drawn %s', g.text, g.pos)
    t.type('<M-Right>', 'm')
    t.after(function() return t.line() == before .. word end, 2000,
      function() return ('accept word: line %q, want %q'):format(t.line(), before .. word) end, function()
        t.log('accept word: %q', t.line())
        -- Neovim asks again after the insertion; dismiss what it brings.
        t.after(function() return t.ghost() ~= nil end, 5000, 'no suggestion after accept word', function()
          dismiss(before .. word)
        end)
      end)
  end)
end)
