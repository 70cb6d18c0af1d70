-- LSP positions count UTF-8 bytes, UTF-16 units or code points, depending on
-- what client and server agreed; Neovim counts bytes. Conversions live here.
local M = {}

-- byte_col returns the 0-based byte column of an LSP character offset in line.
function M.byte_col(line, character, encoding)
  if encoding == 'utf-8' then
    return math.min(character, #line)
  end
  local units, i = 0, 1
  while i <= #line and units < character do
    local b = line:byte(i)
    local len = b < 0x80 and 1 or b < 0xE0 and 2 or b < 0xF0 and 3 or 4
    if encoding == 'utf-16' and len == 4 then
      units = units + 2 -- outside the BMP: a surrogate pair
    else
      units = units + 1
    end
    i = i + len
  end
  return math.min(i - 1, #line)
end

-- to_bytes turns an LSP position into a 0-based {row, col} in bytes of buf.
function M.to_bytes(buf, pos, encoding)
  local line = vim.api.nvim_buf_get_lines(buf, pos.line, pos.line + 1, false)[1] or ''
  return pos.line, M.byte_col(line, pos.character, encoding)
end

return M
