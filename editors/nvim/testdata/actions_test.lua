-- Headless session driven by nvim_test.go, for the plugin's own path: with a
-- multi-line suggestion on screen, cycle through the server's alternatives
-- (<M-]>, <M-[>), accept a word (<M-Right>), then a line
-- (<M-C-Right>), dismiss the rest (<C-]>), ask again by hand (<M-\>),
-- accept the rest (<Tab>); then :Inkling status, disable and enable.
-- Environment as for ghost_test.lua; INKLING_TEST_FULL is the whole
-- suggestion the model gives.
local t = dofile(vim.env.INKLING_TEST_LIB)
local inkling = require('inkling')

t.setup({})
local v = vim.version()
t.log('neovim %d.%d.%d', v.major, v.minor, v.patch)

local full = vim.env.INKLING_TEST_FULL
local messages = {}
vim.notify = function(msg)
  table.insert(messages, msg)
end

-- Every request the plugin sends, and whether (and how) it was answered.
local sent = {}
local lsp = require('inkling.lsp')
local request = lsp.request
lsp.request = function(client, method, params, handler, buf)
  local r = { method = method, params = params }
  table.insert(sent, r)
  return request(client, method, params, function(err, ...)
    r.done, r.err = true, err
    return handler(err, ...)
  end, buf)
end

local function answered(method, after)
  for i = after + 1, #sent do
    if sent[i].method == method and sent[i].done then
      return sent[i]
    end
  end
end

local function settled()
  local g = t.ghost()
  return g and not require('inkling.suggest').busy() and g
end

local function lines()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end

local steps = {}

-- 1. type; the whole multi-line suggestion shows.
function steps.show()
  t.type('o' .. (vim.env.INKLING_TEST_TYPE or ''), 'n')
  t.after(function()
    local g = settled()
    return g and g.text:find('\n')
  end, 8000, function() return 'no multi-line ghost text, saw ' .. vim.inspect(t.ghost()) end, steps.cycle)
end

-- 2. accept one word.
function steps.word()
  local g, before = t.ghost(), t.line()
  t.log('ghost text %q', g.text)
  local word = g.text:match('^[ \t]*[%w_]+')
  t.type('<M-Right>', 'm')
  t.after(function() return t.line() == before .. word end, 2000,
    function() return ('accept word: line %q, want %q'):format(t.line(), before .. word) end, function()
      local g2 = t.ghost()
      if not g2 or g2.text ~= g.text:sub(#word + 1) then
        return t.fail('after accept word the ghost text is %s, want %q', vim.inspect(g2), g.text:sub(#word + 1))
      end
      t.log('accept word: %q, ghost now %q', t.line(), g2.text)
      steps.line()
    end)
end

-- 3. accept the rest of the line; the later lines stay as ghost text.
function steps.line()
  local g, before, row = t.ghost(), t.line(), vim.api.nvim_win_get_cursor(0)[1]
  local first = g.text:match('^[^\n]*')
  t.type('<M-C-Right>', 'm')
  t.after(function() return t.line() == before .. first end, 2000,
    function() return ('accept line: line %q, want %q'):format(t.line(), before .. first) end, function()
      local g2 = t.ghost()
      if vim.api.nvim_win_get_cursor(0)[1] ~= row or not g2 or g2.text ~= g.text:sub(#first + 1) then
        return t.fail('after accept line the ghost text is %s, want %q', vim.inspect(g2), g.text:sub(#first + 1))
      end
      t.log('accept line: %q, ghost now %q', t.line(), g2.text)
      steps.dismiss()
    end)
end

-- 4. dismiss: the ghost text goes, the buffer stays.
function steps.dismiss()
  local before = lines()
  t.type('<C-]>', 'm')
  t.after(function() return t.ghost() == nil end, 2000, '<C-]> did not dismiss', function()
    if lines() ~= before then
      return t.fail('dismiss changed the buffer: %q', lines())
    end
    t.log('dismissed')
    steps.trigger()
  end)
end

-- 5. ask by hand: the rest of the suggestion comes back.
function steps.trigger()
  t.type('<M-Bslash>', 'm')
  t.after(settled, 5000, '<M-\\> brought no suggestion', function()
    t.log('manual trigger: ghost %q', t.ghost().text)
    steps.accept()
  end)
end

-- 1b. next and previous, on the suggestion typing brought: next sends an
-- invoked request, which the server answers with alternatives. Next shows
-- another suggestion, previous brings the first back.
function steps.cycle()
  local first = t.ghost().text
  t.type('<M-]>', 'm')
  t.after(function()
    local g, info = settled(), inkling.get()
    return g and info and info.count >= 2 and g.text ~= first
  end, 8000, function()
    return ('next showed no other suggestion: ghost %s, status %q'):format(vim.inspect(t.ghost()), inkling.status())
  end, function()
    local info = inkling.get()
    local second = t.ghost().text
    if not inkling.status():find('2/' .. info.count, 1, true) then
      return t.fail('next: status %q, want 2/%d', inkling.status(), info.count)
    end
    t.log('next: %q (%s)', second, inkling.status())
    t.type('<M-[>', 'm')
    t.after(function()
      local g = settled()
      return g and g.text == first
    end, 5000, function()
      return 'previous did not return to ' .. vim.inspect(first) .. ': ' .. vim.inspect(t.ghost())
    end, function()
      t.log('previous: %q (%s)', first, inkling.status())
      steps.word()
    end)
  end)
end

-- 7. accept the rest with <Tab>: the buffer now holds the whole suggestion.
function steps.accept()
  t.type('<Tab>', 'm')
  t.after(function() return lines():find(full, 1, true) ~= nil end, 2000,
    function() return 'after <Tab> the buffer is ' .. vim.inspect(lines()) end, function()
      t.log('accepted: %q', lines())
      steps.command()
    end)
end

-- 7b. the item's command went to the server, which took it.
function steps.command()
  t.after(function() return answered('workspace/executeCommand', 0) end, 2000,
    'accepting sent no workspace/executeCommand', function()
      local r = answered('workspace/executeCommand', 0)
      if r.err then
        return t.fail('workspace/executeCommand %s: %s', r.params.command, vim.inspect(r.err))
      end
      t.log('workspace/executeCommand %s answered', r.params.command)
      t.type('<Esc>', 'n')
      t.after(function() return vim.api.nvim_get_mode().mode == 'n' end, 2000, 'no normal mode', steps.commands)
    end)
end

-- 8. :Inkling status asks the server; disable and enable switch it.
function steps.commands()
  vim.cmd('Inkling status')
  t.after(function() return #messages > 0 end, 3000, ':Inkling status printed nothing', function()
    t.log(':Inkling status: %s', messages[1])
    if not messages[1]:find('provider') then
      return t.fail(':Inkling status did not report the provider')
    end
    vim.cmd('Inkling disable')
    if inkling.status() ~= 'Inkling: off' then
      return t.fail('status after disable: %q', inkling.status())
    end
    vim.cmd('Inkling enable')
    if inkling.status() == 'Inkling: off' then
      return t.fail('status after enable: %q', inkling.status())
    end
    t.log('disable/enable: ok, status %q', inkling.status())
    vim.cmd('write')
    t.pass('accept word, line, dismiss, trigger, next/previous, accept, commands')
  end)
end

t.after(t.attached, 5000, 'server did not start', steps.show)
