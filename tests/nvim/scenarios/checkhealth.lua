-- :checkhealth codex_lsp in the workspace with a working configuration.
T.open('hello.py')
vim.cmd('checkhealth codex_lsp')
T.result.health = T.lines(0)
