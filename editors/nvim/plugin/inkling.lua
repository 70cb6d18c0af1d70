-- :Inkling status|enable|disable|toggle|log. Suggestions start with
-- require('inkling').setup{} in your init.lua (see README.md).
if vim.g.loaded_inkling then
  return
end
vim.g.loaded_inkling = true

vim.api.nvim_create_user_command('Inkling', function(opts)
  require('inkling').command(opts.args)
end, {
  nargs = '?',
  complete = function()
    return { 'status', 'enable', 'disable', 'toggle', 'log' }
  end,
  desc = 'Inkling AI suggestions: status, enable, disable, toggle, log',
})
