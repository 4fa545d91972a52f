-- The Neovim side of TestNvim (nvim_test.go), for Neovim 0.7 and later:
-- only vim.lsp.start_client and vim.lsp.buf_attach_client, which 0.7 has
-- (vim.lsp.start came with 0.8).
--
-- The first half is an editor setup, as docs/editors.md gives it: kiln lsp
-- for kiln's files. The second half drives the session once the file given
-- on the command line is open: it waits for kiln's diagnostics, applies the
-- quick fixes of the misspelled fields, waits for the new diagnostics, asks
-- for a hover, writes all of it as JSON to $KILN_NVIM_OUT and quits.
--
--   KILN_BIN       the kiln binary (default: kiln on PATH)
--   KILN_LSP_LOG   where kiln lsp writes its log (optional)
--   KILN_NVIM_OUT  where the result goes; without it, only the setup runs

local cmd = { os.getenv('KILN_BIN') or 'kiln', 'lsp', '--no-cache' }
if os.getenv('KILN_LSP_LOG') then
  vim.list_extend(cmd, { '--log', os.getenv('KILN_LSP_LOG') })
end

-- What a publication said, by URI: the version and the diagnostics as the
-- server sent them (UTF-16 columns), before Neovim converts them to bytes.
local published = {}

local client_id
local function attach(bufnr)
  if not client_id then
    local name = vim.api.nvim_buf_get_name(bufnr)
    local git = vim.fn.finddir('.git', vim.fn.fnamemodify(name, ':p:h') .. ';')
    client_id = vim.lsp.start_client({
      name = 'kiln',
      cmd = cmd,
      root_dir = git ~= '' and vim.fn.fnamemodify(git, ':p:h:h') or vim.fn.getcwd(),
      handlers = {
        ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
          published[result.uri] = { version = result.version, diagnostics = result.diagnostics }
          return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
        end,
      },
    })
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
end

vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
  pattern = {
    'kiln.yaml', 'kiln.yml', 'kiln.json', 'kiln.cue', 'kiln.jsonnet',
    'kiln_test.yaml', '*.kiln_test.yaml', 'kiln_test.cue',
    'Dockerfile', '*/.kiln/config.yaml',
  },
  callback = function(args) attach(args.buf) end,
})

local out_file = os.getenv('KILN_NVIM_OUT')
if not out_file then
  return
end

local function check(cond, msg)
  if not cond then
    error(msg, 2)
  end
end

-- diagnostics are the buffer's diagnostics from kiln, as Neovim holds
-- them (byte columns), each with the server's own range beside it.
local function diagnostics(bufnr)
  local raw = published[vim.uri_from_bufnr(bufnr)] or { diagnostics = {} }
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = vim.lsp.diagnostic.get_namespace(client_id) })) do
    local lsp_range
    for _, r in ipairs(raw.diagnostics) do
      if r.message == d.message and r.range.start.line == d.lnum then
        lsp_range = r.range
      end
    end
    table.insert(out, {
      line = d.lnum, col = d.col, end_line = d.end_lnum, end_col = d.end_col,
      severity = d.severity, code = d.code, message = d.message, source = d.source,
      lsp_range = lsp_range,
    })
  end
  return out
end

-- wait_current waits until kiln has published for the buffer's version.
local function wait_current(bufnr, what)
  local uri = vim.uri_from_bufnr(bufnr)
  check(vim.wait(20000, function()
    local p = published[uri]
    -- kiln leaves out a version 0 (Neovim opens a buffer at version 0).
    return p ~= nil and (p.version or 0) == vim.lsp.util.buf_versions[bufnr]
  end, 10), 'no diagnostics from kiln ' .. what .. ' within 20 s (buffer version ' ..
    tostring(vim.lsp.util.buf_versions[bufnr]) .. ', last published ' .. vim.inspect(published[uri]) .. ')')
end

local function drive(out)
  local bufnr = vim.api.nvim_get_current_buf()
  check(client_id ~= nil, 'kiln was not started for ' .. vim.api.nvim_buf_get_name(bufnr))
  local client
  check(vim.wait(10000, function()
    client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, 10), 'kiln lsp did not initialize within 10 s')
  out.server = client.server_capabilities and client.server_capabilities.positionEncoding
  out.offset_encoding = client.offset_encoding
  out.kiln_pid = client.rpc and client.rpc.pid -- to check that it exits after Neovim

  wait_current(bufnr, 'after opening the file')
  out.opened = diagnostics(bufnr)

  -- The quick fix of each misspelled field, one at a time: a code action
  -- is computed on the text its diagnostics were published for.
  out.applied = {}
  for _ = 1, 5 do
    local target
    for _, d in ipairs(published[vim.uri_from_bufnr(bufnr)].diagnostics) do
      if d.code == 'schema/unknown-field' then
        target = d
        break
      end
    end
    if not target then
      break
    end
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = target.range,
      context = { diagnostics = { target } },
    }
    local answers = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000)
    check(answers and answers[client_id], 'no answer to textDocument/codeAction')
    check(not answers[client_id].err, 'textDocument/codeAction: ' .. vim.inspect(answers[client_id].err))
    local chosen
    for _, a in ipairs(answers[client_id].result or {}) do
      if a.edit and (a.isPreferred or not chosen) then
        chosen = a
      end
    end
    check(chosen, 'no quick fix for ' .. vim.inspect(target))
    vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
    table.insert(out.applied, chosen.title)
    wait_current(bufnr, 'after the quick fix "' .. chosen.title .. '"')
  end
  out.fixed = diagnostics(bufnr)
  out.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'

  -- A hover on the key availability.
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = l:find('availability', 1, true)
    if col then
      local answers = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
        textDocument = { uri = vim.uri_from_bufnr(bufnr) },
        position = { line = i - 1, character = col - 1 },
      }, 10000)
      check(answers and answers[client_id], 'no answer to textDocument/hover')
      local r = answers[client_id].result
      check(r and r.contents, 'an empty hover: ' .. vim.inspect(answers[client_id]))
      local lines = vim.lsp.util.convert_input_to_markdown_lines(r.contents)
      out.hover = table.concat(lines, '\n')
      break
    end
  end
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local v = vim.version()
    local out = { nvim = string.format('%d.%d.%d', v.major, v.minor, v.patch) }
    local ok, err = xpcall(drive, debug.traceback, out)
    if not ok then
      out.error = tostring(err)
    end
    local f = assert(io.open(out_file, 'w'))
    f:write(vim.fn.json_encode(out))
    f:close()
    -- Outside this autocommand, so that VimLeavePre runs (autocommands do
    -- not nest) and Neovim shuts the server down as the protocol says.
    vim.schedule(function() vim.cmd('qa!') end)
  end,
})
