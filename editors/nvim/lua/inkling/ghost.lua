-- Ghost text: the suggestion drawn with extmarks after the cursor. Neovim
-- 0.10+ draws the first line inline, pushing the rest of the line right;
-- older versions draw it as an overlay that repeats the rest of the line
-- after it. Further lines are virtual lines below.
local config = require('inkling.config')

local M = {}

M.ns = vim.api.nvim_create_namespace('inkling')

local inline = vim.fn.has('nvim-0.10') == 1

-- Tabs in virtual text don't expand like buffer text, so widen them here.
local function expand(s)
  local ts = vim.bo.tabstop > 0 and vim.bo.tabstop or 8
  return (s:gsub('\t', string.rep(' ', ts)))
end

function M.clear(buf)
  if vim.api.nvim_buf_is_valid(buf) then
    vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  end
end

-- show draws text as ghost text at 0-based (row, col) of buf.
function M.show(buf, row, col, text)
  M.clear(buf)
  if text == '' then
    return
  end
  local hl = config.options.hl_group
  local lines = vim.split(text, '\n', { plain = true })
  local opts = { hl_mode = 'combine', right_gravity = false }
  local first = expand(lines[1])
  if first ~= '' then
    if inline then
      opts.virt_text = { { first, hl } }
      opts.virt_text_pos = 'inline'
    else
      local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ''
      local rest = line:sub(col + 1)
      opts.virt_text = { { first, hl } }
      if rest ~= '' then
        table.insert(opts.virt_text, { expand(rest), 'Normal' })
      end
      opts.virt_text_pos = 'overlay'
    end
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for i = 2, #lines do
      table.insert(opts.virt_lines, { { expand(lines[i]), hl } })
    end
  end
  vim.api.nvim_buf_set_extmark(buf, M.ns, row, col, opts)
end

return M
