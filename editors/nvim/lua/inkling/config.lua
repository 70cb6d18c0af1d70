-- Options of setup{}: the defaults and how the user's table is merged in.
-- README.md documents every key.
local M = {}

M.defaults = {
  -- The server. `inkling` must be on $PATH, or give the full path.
  cmd = { 'inkling', 'serve' },
  -- Extra environment for the server (INKLING_API_KEY and friends).
  cmd_env = nil,
  -- Sent as initializationOptions, and again with workspace/didChangeConfiguration
  -- when :Inkling enable/disable runs. Keys: provider, endpoint, model, apiKey,
  -- template, temperature, maxTokens, debounceMs, context = { budgetTokens },
  -- exclude = { globs }. Leave empty to use the server's defaults and environment.
  settings = {},
  -- Start with suggestions on.
  enabled = true,
  -- Ask for a suggestion while typing. When false, only the trigger key asks.
  auto_trigger = true,
  -- Milliseconds of quiet after a keystroke before asking.
  debounce_ms = 75,
  -- Filetypes that never get suggestions ('*' in `filetypes` is all others).
  filetypes = { ['*'] = true, help = false, gitcommit = false, gitrebase = false, TelescopePrompt = false },
  -- Files that mark the root of a project; the server gets one root per project.
  root_markers = { '.git', 'go.mod', 'package.json', 'Cargo.toml', 'pyproject.toml', '.hg' },
  -- Insert-mode keys. Set any to false to leave that key alone. accept,
  -- accept_word, accept_line and dismiss fall back to the key's usual meaning
  -- when no suggestion is showing.
  keymaps = {
    accept = '<Tab>',
    accept_word = '<M-Right>',
    accept_line = '<M-C-Right>',
    next = '<M-]>',
    prev = '<M-[>',
    dismiss = '<C-]>',
    trigger = '<M-Bslash>',
  },
  -- Highlight group of the ghost text (linked to Comment unless you define it).
  hl_group = 'InklingSuggestion',
  -- Neovim 0.12+: let Neovim's own vim.lsp.inline_completion show the ghost
  -- text instead of this plugin. It asks after its own 200 ms debounce and
  -- does not draw streamed partial results.
  builtin = false,
}

local islist = vim.islist or vim.tbl_islist -- renamed in 0.10

local function merge(dst, src)
  for k, v in pairs(src) do
    if type(v) == 'table' and type(dst[k]) == 'table' and not islist(v) then
      merge(dst[k], v)
    else
      dst[k] = v
    end
  end
  return dst
end

-- The options in effect; setup() replaces it.
M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = merge(vim.deepcopy(M.defaults), opts or {})
  return M.options
end

function M.filetype_enabled(ft)
  local fts = M.options.filetypes
  if fts[ft] ~= nil then
    return fts[ft]
  end
  return fts['*'] ~= false
end

return M
