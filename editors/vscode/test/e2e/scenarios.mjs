// The end-to-end scenarios. Each starts its own workbench (fresh user data,
// workspace and model script) and checks what a user would see and what lands on disk.

import assert from 'node:assert/strict';

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { findPython, log, SkipScenario, Workbench } from './harness.mjs';

/** The server (this interpreter's codex_lsp, PYTHONPATH included) can run `statement`. */
function serverHas(statement) {
  return spawnSync(findPython(), ['-c', statement], { stdio: 'ignore' }).status === 0;
}

const HELLO = `def greet(name):
    return 'hi ' + name


print(greet('bob'))
`;

const HELLO_EDITED = HELLO.replace(`return 'hi ' + name`, `return f"hello {name}"`);

const PATCH = `*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
*** End Patch
`;

/** The model: one apply_patch call, then a closing message. */
function editTurns(patch = PATCH) {
  return [
    {
      type: 'reply',
      items: [
        { type: 'text', text: 'Updating greet.' },
        { type: 'function_call', name: 'apply_patch', arguments: { input: patch } },
      ],
    },
    { type: 'reply', items: [{ type: 'text', text: 'Done: greet uses an f-string.' }] },
  ];
}

async function withWorkbench(name, options, body, { allowErrors = false } = {}) {
  const wb = new Workbench(name);
  let failed = true;
  try {
    await wb.start(options);
    const result = await body(wb);
    if (!allowErrors) wb.assertCleanLogs();
    failed = false;
    return result;
  } catch (err) {
    if (err instanceof SkipScenario) failed = false;
    throw err;
  } finally {
    await wb.stop({ failed });
  }
}

/** Select, "Codex: Edit Selection…", instruction, diff editor, Apply, save, file on disk. */
async function apply() {
  return withWorkbench('apply', { files: { 'hello.py': HELLO }, turns: editTurns() }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');

    const diff = await wb.waitForDiff('hello.py');
    const modified = await diff.locator('.editor.modified .view-lines').innerText();
    assert.match(modified.replace(/\u00a0/g, ' '), /return f"hello \{name\}"/);
    const original = await diff.locator('.editor.original .view-lines').innerText();
    assert.match(original.replace(/\u00a0/g, ' '), /return 'hi ' \+ name/);
    await wb.toast('Codex: use an f-string: edit hello.py (+1 -1)').first().waitFor();
    await wb.page.waitForTimeout(800); // let the notification finish sliding in
    const screenshot = await wb.screenshot('diff-review.png');

    await wb.clickToastButton('Codex: use an f-string', 'Apply');
    // The review closes, the edit lands in the (unsaved) buffer; the command reports it.
    await wb.page.locator('.tab', { hasText: '(Codex: proposed edit)' }).waitFor({ state: 'detached' });
    await wb.toast('Codex: applied (hello.py)').first().waitFor();
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    assert.equal(wb.read('hello.py'), HELLO, 'nothing is written before the user saves');

    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO_EDITED);
    log('hello.py saved with the edit');

    const requests = await wb.modelRequests();
    assert.equal(requests.length, 2, 'the model saw the patch result and answered');

    // Undo Last Turn reverts the edit in the buffer; saving writes the old text back.
    await wb.runCommand('Codex: Undo Last Turn');
    await wb.toast('Codex: reverted hello.py').first().waitFor();
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO);
    log('undo reverted hello.py');

    // A new thread, then back to this one: its history goes to the Codex output.
    await wb.runCommand('Codex: New Thread');
    await wb.runCommand('Codex: Resume Thread…');
    const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'f-string' }).first();
    await row.waitFor();
    await row.click();
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: 'resumed:' }).waitFor();
    await output.filter({ hasText: 'Done: greet uses an f-string.' }).waitFor();
    log('resumed the thread');
    return { screenshot };
  });
}

const HELLO_COMMENTED = HELLO.replace(`    return 'hi ' + name`, `    # codex: use an f-string\n    return 'hi ' + name`);

/**
 * A `codex:` comment in the selection is the instruction: "Codex: Edit Selection…" asks
 * nothing (the rule lives on the server; VS Code asks only when it answers needsInstruction).
 */
async function codexComment() {
  return withWorkbench('codexComment', { files: { 'hello.py': HELLO_COMMENTED }, turns: editTurns() }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 3);
    await wb.runCommand('Codex: Edit Selection…');
    // No input box: the diff opens with the edit the comment asked for.
    await wb.waitForDiff('hello.py');
    assert.equal(await wb.page.locator('.quick-input-widget:visible').count(), 0, 'no prompt for an instruction');
    await wb.toast('Codex: use an f-string').first().waitFor();
    const [request] = await wb.modelRequests();
    assert.match(JSON.stringify(request), /use an f-string/, 'the comment reached the model as the instruction');
    await wb.clickToastButton('Codex: use an f-string', 'Apply');
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    log('edited from the codex: comment without a prompt');
  });
}

/** `codex.saveAfterApply`: Apply writes hello.py at once, no Ctrl+S. */
async function saveAfterApply() {
  const options = { files: { 'hello.py': HELLO }, turns: editTurns(), settings: { 'codex.saveAfterApply': true } };
  return withWorkbench('saveAfterApply', options, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');
    await wb.waitForDiff('hello.py');
    await wb.clickToastButton('Codex: use an f-string', 'Apply');
    await wb.waitForFile('hello.py', HELLO_EDITED);
    await wb.toast('Codex: applied (hello.py).').first().waitFor();
    await wb.page.locator('.tab.active', { hasText: 'hello.py' }).waitFor();
    assert.equal(await wb.page.locator('.tab.dirty', { hasText: 'hello.py' }).count(), 0, 'saved, not dirty');
    log('hello.py saved by the apply');
  });
}

/** Same flow, Reject: nothing changes, in the buffer or on disk. */
async function reject() {
  return withWorkbench('reject', { files: { 'hello.py': HELLO }, turns: editTurns() }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');
    await wb.waitForDiff('hello.py');
    await wb.screenshot('reject-diff-review.png');

    await wb.clickToastButton('Codex: use an f-string', 'Reject');
    await wb.page.locator('.tab', { hasText: '(Codex: proposed edit)' }).waitFor({ state: 'detached' });
    await wb.page.locator('.tab.active', { hasText: 'hello.py' }).waitFor();
    // The turn ends; the buffer is not dirty and the disk is unchanged.
    await wb.page.waitForFunction(() => !document.querySelector('.statusbar-item .codicon-sync.codicon-modifier-spin'));
    assert.equal(await wb.page.locator('.tab.dirty', { hasText: 'hello.py' }).count(), 0);
    assert.equal(wb.read('hello.py'), HELLO);
    assert.match(await wb.editorText(), /return 'hi ' \+ name/);
    const requests = await wb.modelRequests();
    assert.equal(requests.length, 1, 'a rejected edit ends the turn');
  });
}

/** Light bulb (Ctrl+.) "Codex: Edit selection…", instruction, Apply from the diff editor's title bar. */
async function codeAction() {
  return withWorkbench('codeAction', { files: { 'hello.py': HELLO }, turns: editTurns() }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    // The light bulb shows once the server answered textDocument/codeAction; then Ctrl+.
    // (again if the first press raced the request).
    await wb.page.locator('.lightBulbWidget').first().waitFor();
    const widget = wb.page.locator('.action-widget').first();
    for (let attempt = 0; ; attempt++) {
      await wb.page.keyboard.press('Control+.');
      try {
        await widget.waitFor({ timeout: 5000 });
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
        await wb.focusEditor();
        await wb.selectLines(1, 2);
      }
    }
    const item = widget.locator('.monaco-list-row', { hasText: 'Codex: Edit selection…' }).first();
    await item.waitFor();
    await wb.screenshot('code-actions.png');
    await item.click();
    log('picked the code action');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');
    await wb.waitForDiff('hello.py');

    // The diff editor's own Apply button (editor title bar).
    await wb.page.locator('.editor-actions').getByRole('button', { name: 'Apply', exact: true }).click();
    log('clicked Apply in the diff editor title bar');
    await wb.page.locator('.tab', { hasText: '(Codex: proposed edit)' }).waitFor({ state: 'detached' });
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO_EDITED);
  });
}

const TWO_FUNCS = `def greet(name):
    return 'hi ' + name


def farewell(name):
    return 'bye ' + name
`;

const TWO_HUNKS = `*** Begin Patch
*** Update File: hello.py
@@ def greet(name):
-    return 'hi ' + name
+    return f"hello {name}"
@@ def farewell(name):
-    return 'bye ' + name
+    return f"goodbye {name}"
*** End Patch
`;

/** Two hunks: "Choose Hunks…", untick the second, only the first lands. */
async function hunks() {
  return withWorkbench('hunks', { files: { 'hello.py': TWO_FUNCS }, turns: editTurns(TWO_HUNKS) }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 6);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use f-strings');
    await wb.waitForDiff('hello.py');
    await wb.clickToastButton('Codex: use f-strings', 'Choose Hunks…');

    const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
    await rows.filter({ hasText: 'hello.py: line 6 (+1 -1)' }).waitFor();
    assert.equal(await rows.count(), 2);
    await rows.filter({ hasText: 'hello.py: line 6 (+1 -1)' }).click();
    await wb.page.locator('.quick-input-widget', { hasText: '1 Selected' }).waitFor();
    // The diff previews the choice: the second function is back to the original.
    const modified = wb.page.locator('.monaco-diff-editor .editor.modified .view-lines').first();
    await modified.filter({ hasText: /return\s'bye\s'\s\+\sname/ }).waitFor();
    assert.match((await modified.innerText()).replace(/\u00a0/g, ' '), /return f"hello \{name\}"/);
    await wb.page.waitForTimeout(500); // the diff is recomputed after a short delay
    await wb.screenshot('choose-hunks.png');
    await wb.page.locator('.quick-input-widget').getByRole('button', { name: 'OK', exact: true }).click();
    log('kept only the first hunk');

    await wb.page.locator('.tab', { hasText: '(Codex: proposed edit)' }).waitFor({ state: 'detached' });
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', TWO_FUNCS.replace(`return 'hi ' + name`, `return f"hello {name}"`));
  });
}

/** No API key: a warning with "Open Settings", which opens the extension's settings. */
async function noKey() {
  return withWorkbench('noKey', { files: { 'hello.py': HELLO }, turns: [], apiKey: false }, async (wb) => {
    await wb.waitForServer();
    const toast = wb.toast('No API key for provider');
    await toast.first().waitFor();
    assert.match(await toast.first().innerText(), /set CODEX_TEST_KEY/);
    await wb.page.waitForTimeout(800); // let the notification finish sliding in
    await wb.screenshot('no-api-key.png');
    await wb.clickToastButton('No API key for provider', 'Open Settings');
    await wb.page.locator('.settings-editor').waitFor();
    await wb.page.locator('.settings-editor', { hasText: 'Approval Policy' }).first().waitFor();
    log('settings editor shows the Codex settings');
  });
}

/**
 * "Codex: Ask…" streams the answer into the "Codex" output channel; "Codex: Run Task…"
 * on a model that never answers shows progress with Cancel, and Cancel stops the turn
 * (the model stream is closed).
 */
async function askAndCancel() {
  const turns = [
    { type: 'reply', items: [{ type: 'text', text: 'greet returns a friendly greeting for name.' }] },
    { type: 'reply', items: [{ type: 'text', text: '## greet\n\nJoins a greeting and a name.' }] },
    { type: 'hang', seconds: 60 },
  ];
  return withWorkbench('askAndCancel', { files: { 'hello.py': HELLO }, turns }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Ask…');
    await wb.answerInputBox('Codex: Ask', 'what does greet do?');
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: 'greet returns a friendly greeting for name.' }).waitFor();
    assert.match((await output.innerText()).replace(/\u00a0/g, ' '), /── Codex: what does greet do\? ──/);
    log('the answer is in the Codex output channel');

    // Explain: the server shows its answer as a Markdown document (window/showDocument).
    await wb.runCommand('Codex: Explain Selection');
    await wb.page.locator('.tab.active', { hasText: '.md' }).waitFor();
    await wb.page.locator('.editor-instance .view-lines', { hasText: 'Joins a greeting and a name.' }).first().waitFor();
    log('the explanation opened as a Markdown document');

    await wb.runCommand('Codex: Run Task…');
    await wb.answerInputBox('Codex: Run Task', 'rename greet to welcome everywhere');
    const progress = wb.toast('rename greet to welcome everywhere').first();
    await progress.waitFor();
    await wb.page.locator('.statusbar-item .codicon-sync').first().waitFor();
    await wb.page.locator('.statusbar-item', { hasText: 'rename greet to welcome' }).first().waitFor();
    await wb.screenshot('progress-cancel.png');
    await progress.getByRole('button', { name: 'Cancel', exact: true }).click();
    log('clicked Cancel on the progress notification');
    await progress.waitFor({ state: 'detached' });
    await wb.page.locator('.statusbar-item', { hasText: 'Codex: cancelled' }).first().waitFor();
    await output.filter({ hasText: '── cancelled ──' }).waitFor();
    const requests = await wb.modelRequests();
    assert.equal(requests.length, 3);
    for (let i = 0; i < 50 && !(await wb.modelRequests())[2].client_disconnected; i++) {
      await wb.page.waitForTimeout(100);
    }
    assert.equal((await wb.modelRequests())[2].client_disconnected, true, 'the model stream was closed');
  });
}

/**
 * Settings reach the server: a model set in settings shows in the status bar (from
 * `codex.status` after didChangeConfiguration); clearing it restarts the server, and
 * "Codex: Restart Server" brings it back with working commands.
 */
async function settingsAndRestart() {
  return withWorkbench('settingsAndRestart', { files: { 'hello.py': HELLO }, turns: editTurns() }, async (wb) => {
    await wb.waitForServer();
    await wb.setSetting('codex.model', 'other-model', 'Codex: other-model');
    await wb.setSetting('codex.model', '', 'Codex: test-model');
    await wb.closeSettings();
    await wb.runCommand('Codex: Restart Server');
    // Started, restarted when the model was cleared, restarted by the command.
    await wb.waitForLog(/server running/, 3);
    await wb.waitForServer('Codex: test-model');
    const log = wb.codexLog();
    assert.match(log, /settings changed: \{"model":"other-model"\}/);
    assert.match(log, /settings changed \(cleared model\): restarting the server/);

    // The status bar item opens the status.
    await wb.page.locator('.statusbar-item', { hasText: 'Codex: test-model' }).first().click();
    await wb.toast('model test-model via Scripted, API key found').first().waitFor();
    await wb.runCommand('Codex: New Thread');
    await wb.page.locator('.statusbar-item', { hasText: 'Codex: new thread' }).first().waitFor();

    // Still works after the restarts (handlers re-attached, commands registered once).
    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');
    await wb.waitForDiff('hello.py');
    await wb.clickToastButton('Codex: use an f-string', 'Apply');
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
  });
}

/**
 * `codex/approveCommand`: with approval policy "untrusted" (from the settings, sent as
 * initializationOptions) a shell command is shown in a modal with its folder; Run runs it.
 */
async function commandApproval() {
  const turns = [
    {
      type: 'reply',
      items: [{ type: 'function_call', name: 'shell', arguments: { command: ['touch', 'made-by-codex.txt'] } }],
    },
    { type: 'reply', items: [{ type: 'text', text: 'Created made-by-codex.txt.' }] },
  ];
  const settings = { 'codex.approvalPolicy': 'untrusted', 'codex.sandboxMode': 'danger-full-access' };
  return withWorkbench('commandApproval', { files: { 'hello.py': HELLO }, turns, settings }, async (wb) => {
    await wb.waitForServer();
    await wb.runCommand('Codex: Run Task…');
    await wb.answerInputBox('Codex: Run Task', 'create a marker file');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'Codex wants to run a command' });
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    const first = await Promise.race([
      dialog.waitFor().then(
        () => 'dialog',
        () => 'timeout',
      ),
      output
        .filter({ hasText: /──\s(answered|applied|rejected|failed|cancelled)/ })
        .waitFor()
        .then(
          () => 'finished',
          () => 'timeout',
        ),
    ]);
    if (first === 'finished') {
      const tools = ((await wb.modelRequests())[0]?.body?.tools ?? []).map((t) => t.name);
      if (!tools.includes('shell')) {
        throw new SkipScenario(`the server offers no "shell" tool yet (tools: ${tools.join(', ')})`);
      }
      throw new Error('the turn finished without asking to run the command');
    }
    if (first === 'timeout') throw new Error('no command dialog and no end of the turn');
    const text = (await dialog.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /\$ touch made-by-codex\.txt/);
    assert.ok(text.includes(`in ${wb.workspace}`), `the dialog names the folder: ${text}`);
    assert.equal(wb.exists('made-by-codex.txt'), false, 'nothing runs before the user says so');
    await wb.screenshot('command-approval.png');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    log('clicked Run in the command dialog');
    await dialog.waitFor({ state: 'detached' });
    await output.filter({ hasText: 'Created made-by-codex.txt.' }).waitFor();
    assert.equal(wb.exists('made-by-codex.txt'), true);
  });
}

/** A server that cannot start: one clear error with "Open Settings". */
async function noServer() {
  const settings = { 'codex.server.path': '/nonexistent/codex-lsp' };
  return withWorkbench('noServer', { files: { 'hello.py': HELLO }, turns: [], settings }, async (wb) => {
    const text = 'Codex: cannot start the language server "/nonexistent/codex-lsp": not found';
    await wb.toast(text).first().waitFor();
    await wb.page.locator('.statusbar-item', { hasText: 'Codex' }).locator('.codicon-error').first().waitFor();
    await wb.page.waitForTimeout(800); // let the notification finish sliding in
    await wb.screenshot('no-server.png');
    await wb.clickToastButton(text, 'Open Settings');
    await wb.page.locator('.settings-editor', { hasText: 'Approval Policy' }).first().waitFor();
    log('settings editor shows the Codex settings');
  }, { allowErrors: true });
}

/**
 * A machine where codex-lsp is not installed (PATH scrubbed to the system's folders, no
 * codex.server.path): the extension runs the server bundled in the .vsix with the system
 * python3, and Ask… and Edit Selection… work end to end.
 */
async function bundled() {
  const turns = [
    { type: 'reply', items: [{ type: 'text', text: 'greet joins hi and the name.' }] },
    ...editTurns(),
  ];
  return withWorkbench('bundled', { files: { 'hello.py': HELLO }, turns, scrubPath: true }, async (wb) => {
    await wb.waitForServer();
    const codexLog = wb.codexLog();
    assert.match(codexLog, /interpreter for the bundled server: \/\S+\/python3 \(Python 3\.1\d\)/);
    assert.match(codexLog, /found codex-lsp \S+ \(\S+ -I -S \S+\/bundled\/tool\/launch\.py, from bundled\)/);
    assert.doesNotMatch(codexLog, /\.venv/, 'nothing from the repository venv');

    await wb.openFile('hello.py');
    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Ask…');
    await wb.answerInputBox('Codex: Ask', 'what does greet do?');
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: 'greet joins hi and the name.' }).waitFor();
    log('the bundled server answered');

    await wb.selectLines(1, 2);
    await wb.runCommand('Codex: Edit Selection…');
    await wb.answerInputBox('Codex: Edit Selection', 'use an f-string');
    await wb.waitForDiff('hello.py');
    await wb.clickToastButton('Codex: use an f-string', 'Apply');
    await wb.page.locator('.tab.active.dirty', { hasText: 'hello.py' }).waitFor();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO_EDITED);
    await wb.waitForModelRequests(3);
    assert.equal((await wb.modelRequests()).length, 3);
  });
}

/**
 * No usable interpreter for the bundled server: one error naming it, with "Select
 * Interpreter" (without the Python extension: the codex.server.python setting); choosing a
 * real Python there starts the server.
 */
async function noPython() {
  const settings = { 'codex.server.python': '/nonexistent/python3' };
  const options = { files: { 'hello.py': HELLO }, turns: [], settings, scrubPath: true };
  return withWorkbench('noPython', options, async (wb) => {
    const text = 'Codex: no Python found to run the bundled language server ("/nonexistent/python3" did not run)';
    await wb.toast(text).first().waitFor();
    await wb.page.waitForTimeout(800); // let the notification finish sliding in
    await wb.screenshot('no-python.png');
    await wb.clickToastButton(text, 'Select Interpreter');
    await wb.page.locator('.settings-editor').waitFor();
    const query = await wb.page.locator('.settings-editor .suggest-input-container .view-lines').innerText();
    assert.match(query.replace(/\u00a0/g, ' '), /codex\.server\.python/);
    log('the Settings editor searches codex.server.python');
    // A machine-scoped setting: in code-server's (remote) window it is on the Remote tab.
    await wb.page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: /^Remote/ }).click();
    const item = wb.page.locator('.settings-editor .setting-item', { hasText: 'Server: Python' }).first();
    await item.locator('input').fill('/usr/bin/python3');
    await item.locator('input').press('Tab');
    log('codex.server.python = /usr/bin/python3 (Remote)');
    await wb.waitForServer();
    await wb.closeSettings();
    assert.match(wb.codexLog(), /found codex-lsp \S+ \(\/usr\/bin\/python3 -I -S \S+, from bundled\)/);
  }, { allowErrors: true });
}

/** The Codex view's webview (code-server nests it in two iframes). */
function panelFrame(wb) {
  return wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/**
 * Send `text` from the Codex view's prompt box. The view ignores Enter while a turn runs
 * (Send is disabled until the turn has finished, which comes after its last text is shown),
 * so wait for Send to be enabled first; the prompt shows as the conversation's last user item
 * once it is sent.
 */
async function sendPrompt(view, text) {
  const prompt = view.getByRole('textbox', { name: /Ask Codex/ });
  if (await view.locator('#send:disabled').count()) log(`"${text}": the previous turn is still finishing, waiting for Send`);
  await view.locator('#send:enabled').waitFor();
  await prompt.fill(text);
  await prompt.press('Enter');
  await view.locator('.item.user').last().filter({ hasText: text }).waitFor();
}

const PLAN_STEPS = [
  { step: 'Check the greeting', status: 'completed' },
  { step: 'Use an f-string', status: 'in_progress' },
];

/**
 * The Codex view: ask and see the answer rendered; a task whose model calls update_plan,
 * a shell command and apply_patch shows the checklist, the command row with its output
 * and a change card (Review opens the diff, Apply changes the file); Stop cancels a slow
 * turn; after a server restart an earlier thread is resumed from the thread list.
 */
async function panel() {
  const turns = [
    { type: 'reply', items: [{ type: 'text', text: 'It **greets** by name:\n\n```python\nprint(greet("bob"))\n```' }] },
    { type: 'reply', items: [{ type: 'function_call', name: 'update_plan', arguments: { plan: PLAN_STEPS } }] },
    { type: 'reply', items: [{ type: 'function_call', name: 'shell', arguments: { command: ['echo', 'hello from the shell'] } }] },
    ...editTurns(),
    { type: 'hang', seconds: 60 },
  ];
  const settings = { 'codex.approvalPolicy': 'on-request', 'codex.sandboxMode': 'danger-full-access' };
  return withWorkbench('panel', { files: { 'hello.py': HELLO }, turns, settings }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.runCommand('Codex: Open Conversation');
    const view = panelFrame(wb);
    const prompt = view.getByRole('textbox', { name: /Ask Codex/ });
    await prompt.waitFor();
    log('the Codex view is open');

    // Context chips: the active file is attached; remove it, attach it again with @.
    await view.locator('#chips .chip', { hasText: 'hello.py' }).waitFor();
    await view.getByRole('button', { name: 'Remove hello.py' }).click();
    await view.locator('#chips .chip').waitFor({ state: 'detached' });
    await prompt.click();
    await prompt.pressSequentially('what does greet do? @hel');
    await view.locator('#mentions .mention', { hasText: 'hello.py' }).waitFor();
    await prompt.press('Enter');
    await view.locator('#chips .chip', { hasText: 'hello.py' }).waitFor();
    assert.equal(await prompt.inputValue(), 'what does greet do? ');
    await view.locator('#send:enabled').waitFor();
    await prompt.press('Enter');
    const answer = view.locator('.item.assistant').first();
    await answer.locator('strong', { hasText: 'greets' }).waitFor();
    await answer.locator('.code button.copy').waitFor();
    await answer.locator('pre code .hljs-built_in', { hasText: 'print' }).waitFor();
    await view.locator('.item.user .chip', { hasText: 'hello.py' }).waitFor();
    const asked = (await wb.modelRequests())[0].body.input.map((i) => JSON.stringify(i)).join('\n');
    // The chip travels as its own context message; the prompt is the user's words alone.
    assert.match(asked, /"<attached_context>".*File attached for context[^"]*hello\.py/);
    assert.match(asked, /"text":"what does greet do\?"/);
    log('the answer is rendered as Markdown with a highlighted code block');

    // A task: plan, command, change card.
    await sendPrompt(view, 'use an f-string in greet');
    const plan = view.locator('.item.plan');
    await plan.locator('li.step.completed', { hasText: 'Check the greeting' }).waitFor();
    await plan.locator('li.step.in_progress', { hasText: 'Use an f-string' }).waitFor();
    const command = view.locator('details.item.tool', { hasText: 'shell echo hello from the shell' });
    await command.locator('summary', { hasText: 'exit 0' }).waitFor();
    await command.locator('summary').click();
    await command.locator('pre.output', { hasText: 'hello from the shell' }).waitFor();
    const card = view.locator('.item.change', { hasText: 'edit hello.py (+1 -1)' });
    await card.getByRole('button', { name: /^Apply/ }).waitFor();
    log('checklist, command row with output and change card shown');
    // One progress UI: the status bar item shows the turn, no notification; it opens the view.
    const busy = wb.page.locator('.statusbar-item', { hasText: 'Codex: use an f-string in greet' }).first();
    await busy.waitFor();
    assert.equal(await wb.toast('use an f-string in greet').count(), 0, 'no progress notification while the view shows the turn');
    await wb.runCommand('View: Show Explorer');
    await prompt.waitFor({ state: 'hidden' });
    await busy.click();
    await card.getByRole('button', { name: /^Apply/ }).waitFor();
    log('the status bar item shows the turn and opens the view');
    await card.getByRole('button', { name: /^Review/ }).click();
    await wb.waitForDiff('hello.py');
    await wb.page.waitForTimeout(500);
    const screenshot = await wb.screenshot('panel-task.png');
    await card.getByRole('button', { name: /^Apply/ }).click();
    await card.locator('.state', { hasText: 'Applied' }).waitFor();
    await view.locator('.item.assistant', { hasText: 'Done: greet uses an f-string.' }).waitFor();
    await wb.page.locator('.tab', { hasText: '(Codex: proposed edit)' }).waitFor({ state: 'detached' });
    await wb.page.locator('.tab.dirty', { hasText: 'hello.py' }).click();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO_EDITED);
    log('Apply in the card changed hello.py');

    // Stop cancels a slow turn.
    await sendPrompt(view, 'rename greet everywhere');
    await wb.waitForModelRequests(6); // the server's turn is waiting on the (hanging) model
    const stop = view.getByRole('button', { name: 'Stop the turn' });
    await stop.waitFor();
    await stop.click();
    await view.locator('.item.notice', { hasText: 'Stopped.' }).waitFor();
    await stop.waitFor({ state: 'hidden' });
    log('Stop cancelled the turn');

    // Resume the thread after a restart of the server.
    await wb.runCommand('Codex: Restart Server');
    await wb.waitForLog(/server running/, 2);
    await view.getByRole('button', { name: 'New thread' }).click();
    await view.locator('.item').first().waitFor({ state: 'detached' });
    await view.getByRole('button', { name: 'Show threads' }).click();
    await view.getByRole('searchbox', { name: 'Search threads' }).fill('greet');
    await view.getByRole('button', { name: /^Resume what does greet do/ }).click();
    await view.locator('.item.user', { hasText: 'use an f-string in greet' }).waitFor();
    await view.locator('details.item.tool', { hasText: 'shell echo hello from the shell' }).locator('summary', { hasText: 'exit 0' }).waitFor();
    await view.locator('.item.plan li.step.completed', { hasText: 'Check the greeting' }).waitFor();
    await view.locator('.item.assistant', { hasText: 'Done: greet uses an f-string.' }).waitFor();
    await wb.screenshot('panel-resumed.png');
    log('resumed the thread from the list after a restart');
    return { screenshot, media: 'panel.png' };
  });
}

/** The card's per-hunk choice: Reject the second hunk, Apply: only the first lands. */
async function panelHunks() {
  const settings = { 'codex.approvalPolicy': 'on-request', 'codex.sandboxMode': 'danger-full-access' };
  return withWorkbench('panelHunks', { files: { 'hello.py': TWO_FUNCS }, turns: editTurns(TWO_HUNKS), settings }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.runCommand('Codex: Open Conversation');
    const view = panelFrame(wb);
    const prompt = view.getByRole('textbox', { name: /Ask Codex/ });
    await prompt.waitFor();
    await sendPrompt(view, 'use f-strings');
    const card = view.locator('.item.change');
    await card.locator('li.hunk', { hasText: 'hello.py: line 6 (+1 -1)' }).waitFor();
    assert.equal(await card.locator('li.hunk').count(), 2);
    await card.getByRole('button', { name: 'Reject hunk hello.py: line 6 (+1 -1)' }).click();
    await card.locator('li.hunk.dropped', { hasText: 'hello.py: line 6' }).waitFor();
    await card.getByRole('button', { name: /^Apply Codex: use f-strings/ }).click();
    await card.locator('.state', { hasText: 'Applied' }).waitFor();
    await wb.page.locator('.tab.dirty', { hasText: 'hello.py' }).click();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', TWO_FUNCS.replace(`return 'hi ' + name`, `return f"hello {name}"`));
    log('the card applied only the kept hunk');
  });
}

/** A 1×1 PNG. */
const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/**
 * Images in the view (#21): a pasted PNG and a workspace image dropped from the explorer
 * become thumbnail chips; on send they travel as `images` ({dataUrl} and {uri}) and reach
 * the model as `input_image` parts of the user message.
 */
async function panelImage() {
  if (!serverHas('from codex_lsp.lsp.features.arguments import ImageArg')) throw new SkipScenario('the server takes no images yet');
  const turns = [{ type: 'reply', items: [{ type: 'text', text: 'Two red dots.' }] }];
  const files = { 'hello.py': HELLO, 'shots/dot.png': Buffer.from(DOT_PNG, 'base64') };
  return withWorkbench('panelImage', { files, turns }, async (wb) => {
    await wb.waitForServer();
    await wb.runCommand('Codex: Open Conversation');
    const view = panelFrame(wb);
    const prompt = view.getByRole('textbox', { name: /Ask Codex/ });
    await prompt.waitFor();
    // Paste: what Chromium puts in a paste event for an image on the clipboard.
    await prompt.evaluate((box, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, DOT_PNG);
    await view.locator('#images .chip.image', { hasText: 'pasted image' }).locator('img.thumb').waitFor();
    // Drop: the explorer gives a drop its file URIs.
    const uri = pathToFileURL(join(wb.workspace, 'shots', 'dot.png')).href;
    await view.locator('#composer').evaluate((form, u) => {
      const data = new DataTransfer();
      data.setData('text/uri-list', u);
      form.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, uri);
    await view.locator('#images .chip.image', { hasText: 'dot.png' }).locator('img.thumb').waitFor();
    log('a pasted and a dropped image are thumbnail chips');
    await wb.screenshot('panel-images.png');

    await prompt.fill('what is in these images?');
    await prompt.press('Enter');
    await view.locator('.item.assistant', { hasText: 'Two red dots.' }).waitFor();
    await view.locator('.item.user .chip', { hasText: 'dot.png' }).waitFor();
    await view.locator('#images .chip').first().waitFor({ state: 'detached' });
    const [request] = await wb.modelRequests();
    const parts = request.body.input.flatMap((item) => (Array.isArray(item.content) ? item.content : []));
    const sent = parts.filter((p) => p.type === 'input_image').map((p) => p.image_url);
    assert.equal(sent.length, 2, `two input_image parts, got ${JSON.stringify(parts).slice(0, 400)}`);
    for (const url of sent) assert.match(url, /^data:image\/png;base64,/);
    assert.ok(JSON.stringify(parts).includes('what is in these images?'));
    log('the model got both images as input_image parts');
  });
}

/**
 * The model asks (#21): `request_user_input` (offered to gpt-5.x) becomes a question card in
 * the view (`codex/requestUserInput`, the extension announces `codexUserInput`); the option
 * picked and the text typed reach the model as Codex sends them.
 */
async function panelQuestions() {
  const questions = [
    {
      id: 'db',
      header: 'Database',
      question: 'Which database should the service use?',
      options: [
        { label: 'SQLite (Recommended)', description: 'One file, nothing to run.' },
        { label: 'Postgres', description: 'A server to run.' },
      ],
    },
    { id: 'name', header: 'Name', question: 'What is the service called?', options: [] },
  ];
  const turns = [
    { type: 'reply', items: [{ type: 'function_call', name: 'request_user_input', arguments: { questions } }] },
    { type: 'reply', items: [{ type: 'text', text: 'Setting up billing on SQLite.' }] },
    // The next turn asks again and is stopped before anyone answers.
    { type: 'reply', items: [{ type: 'function_call', name: 'request_user_input', arguments: { questions: [questions[0]] } }] },
  ];
  if (!serverHas('from codex_lsp.wire import USER_INPUT_REQUEST')) throw new SkipScenario('the server has no codex/requestUserInput yet');
  const settings = { 'codex.model': 'gpt-5.5' };
  return withWorkbench('panelQuestions', { files: { 'hello.py': HELLO }, turns, settings }, async (wb) => {
    await wb.waitForServer('Codex: gpt-5.5');
    await wb.runCommand('Codex: Open Conversation');
    const view = panelFrame(wb);
    const prompt = view.getByRole('textbox', { name: /Ask Codex/ });
    await prompt.waitFor();
    await prompt.fill('set up the service');
    await prompt.press('Enter');
    const card = view.getByRole('region', { name: 'Codex asks' });
    await card.getByText('Which database should the service use?').waitFor();
    await card.getByRole('button', { name: 'Database: SQLite (Recommended)' }).click();
    await card.getByRole('button', { name: 'Database: SQLite (Recommended)', pressed: true }).waitFor();
    await card.getByRole('textbox', { name: 'Answer to: What is the service called?' }).fill('billing');
    await wb.screenshot('panel-questions.png');
    await card.getByRole('button', { name: 'Answer', exact: true }).click();
    await card.locator('.state', { hasText: 'Answered' }).waitFor();
    await card.getByText('Answer: billing').waitFor();
    await view.locator('.item.assistant', { hasText: 'Setting up billing on SQLite.' }).waitFor();
    const requests = await wb.modelRequests();
    const output = requests[1].body.input.find((i) => i.type === 'function_call_output');
    assert.ok(output, 'the answers went back as the tool output');
    const answers = JSON.parse(output.output).answers;
    assert.deepEqual(answers.db.answers, ['SQLite (Recommended)']);
    assert.deepEqual(answers.name.answers, ['billing']);
    log('the answers reached the model');
    // Stopping the turn withdraws the open question: the card is no longer actionable.
    await prompt.fill('and the cache?');
    await prompt.press('Enter');
    const second = view.getByRole('region', { name: 'Codex asks' }).nth(1);
    await second.getByText('Which database should the service use?').waitFor();
    await view.getByRole('button', { name: 'Stop the turn' }).click();
    await second.locator('.state', { hasText: 'Withdrawn' }).waitFor();
    assert.equal(await second.getByRole('button', { name: 'Answer', exact: true }).count(), 0);
    log('Stop withdrew the open question');
  });
}

/**
 * The view remembers: a pending change card, then the window reloads (the extension host
 * and the server restart); the conversation is back and Apply on the card still works.
 */
async function panelReload() {
  const settings = { 'codex.approvalPolicy': 'on-request', 'codex.sandboxMode': 'danger-full-access' };
  return withWorkbench('panelReload', { files: { 'hello.py': HELLO }, turns: editTurns(), settings }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.runCommand('Codex: Open Conversation');
    const prompt = panelFrame(wb).getByRole('textbox', { name: /Ask Codex/ });
    await prompt.waitFor();
    await sendPrompt(panelFrame(wb), 'use an f-string in greet');
    const card = () => panelFrame(wb).locator('.item.change', { hasText: 'edit hello.py (+1 -1)' });
    await card().getByRole('button', { name: /^Apply/ }).waitFor();
    await panelFrame(wb).locator('.item.assistant', { hasText: 'Updating greet.' }).waitFor();
    await wb.page.waitForTimeout(1000); // the view is saved at most every 300 ms
    log('a change card is pending; reloading the window');

    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await wb.waitForServer();
    if (!(await panelFrame(wb).locator('#conversation').isVisible().catch(() => false))) {
      await wb.runCommand('Codex: Open Conversation');
    }
    const view = panelFrame(wb);
    await view.locator('.item.user', { hasText: 'use an f-string in greet' }).waitFor();
    await view.locator('.item.user .chip', { hasText: 'hello.py' }).waitFor();
    await view.locator('.item.assistant', { hasText: 'Updating greet.' }).waitFor();
    await card().locator('.state', { hasText: 'Waiting for your review' }).waitFor();
    await wb.screenshot('panel-reloaded.png');
    log('the conversation is back after the reload');

    await card().getByRole('button', { name: /^Apply/ }).click();
    await card().locator('.state', { hasText: 'Applied' }).waitFor();
    await wb.page.locator('.tab.dirty', { hasText: 'hello.py' }).click();
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('hello.py', HELLO_EDITED);
    log('Apply on the restored card changed hello.py');
  }, { allowErrors: true });
}

/** A finding as the review's structured output carries it (1-based lines). */
function finding(title, line, priority) {
  return {
    title,
    body: `Why: ${title.toLowerCase()}.`,
    confidence_score: 0.8,
    priority,
    code_location: { absolute_file_path: 'hello.py', line_range: { start: line, end: line } },
  };
}

/**
 * "Codex: Review File": the findings show in the Problems panel (and as squiggles);
 * "Codex: Dismiss finding" from the light bulb clears one; "Clear Review Findings" the rest.
 */
async function reviewFindings() {
  const answer = {
    // P0 -> Error, P2 -> Information (P3 would be a Hint, which the Problems panel leaves out).
    findings: [finding('Guard against a None name', 2, 0), finding('Printing in the module body', 5, 2)],
    overall_correctness: 'patch is incorrect',
    overall_explanation: 'Checked greet.',
    overall_confidence_score: 0.7,
  };
  const turns = [{ type: 'reply', items: [{ type: 'text', text: JSON.stringify(answer) }] }];
  return withWorkbench('reviewFindings', { files: { 'hello.py': HELLO }, turns }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('hello.py');
    await wb.runCommand('Codex: Review File');
    await wb.toast('Codex review: 2 findings in 1 file').first().waitFor();
    const problems = wb.page.locator('.markers-panel .monaco-list-row');
    const first = problems.filter({ hasText: 'Guard against a None name' });
    const second = problems.filter({ hasText: 'Printing in the module body' });
    await first.first().waitFor();
    await second.first().waitFor();
    assert.match(await first.first().innerText(), /codex/);
    assert.match(await first.first().innerText(), /\[P0\] Guard against a None name[\s\S]*\[Ln 2, Col 1\]/);
    assert.match(await second.first().innerText(), /\[P2\] Printing in the module body[\s\S]*\[Ln 5, Col 1\]/);
    await wb.page.locator('.editor-instance .squiggly-error').first().waitFor();
    log('the findings are in the Problems panel and under the code');
    const body = (await wb.modelRequests())[0].body;
    assert.equal(body.text.format.type, 'json_schema');
    await wb.page.waitForTimeout(800); // let the notification finish sliding in
    // The editor and the Problems panel (not the side bar): media/problems.png in the README.
    const screenshot = await wb.screenshot('problems.png', { x: 345, y: 36, width: 1095, height: 864 });

    // The light bulb on the finding's line: "Codex: Dismiss finding".
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+Home');
    await wb.page.keyboard.press('ArrowDown');
    const widget = wb.page.locator('.action-widget').first();
    for (let attempt = 0; ; attempt++) {
      await wb.page.keyboard.press('Control+.');
      try {
        await widget.waitFor({ timeout: 5000 });
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
        await wb.focusEditor();
      }
    }
    await widget.locator('.monaco-list-row', { hasText: 'Codex: Fix: Guard against a None name' }).first().waitFor();
    await widget.locator('.monaco-list-row', { hasText: 'Codex: Dismiss finding' }).first().click();
    await first.first().waitFor({ state: 'detached' });
    assert.equal(await second.count(), 1);
    log('dismissed the first finding');

    await wb.runCommand('Codex: Clear Review Findings');
    await second.first().waitFor({ state: 'detached' });
    log('cleared the findings');
    return { screenshot, media: 'problems.png' };
  });
}

const SHOUT = `def area(r):
    return 3.14 * r


def shout(name):
    re
`;

/**
 * With "codex.inlineCompletion.enabled", typing shows the model's suggestion as ghost
 * text; Tab accepts it into the buffer.
 */
async function inlineCompletion() {
  const turns = [{ type: 'reply', items: [{ type: 'text', text: 'urn name.upper()' }] }];
  const options = {
    files: { 'shout.py': SHOUT },
    turns,
    defaultTurn: { type: 'reply', items: [{ type: 'text', text: '' }] },
    settings: { 'codex.inlineCompletion.enabled': true },
  };
  return withWorkbench('inlineCompletion', options, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('shout.py');
    await wb.page.keyboard.press('Control+Home');
    for (let i = 1; i < 6; i++) await wb.page.keyboard.press('ArrowDown');
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.type('t');
    const ghost = wb.page.locator('.editor-instance .ghost-text-decoration, .editor-instance .ghost-text');
    await ghost.filter({ hasText: 'name.upper()' }).first().waitFor();
    log('ghost text shown');
    await wb.screenshot('inline-ghost-text.png');
    const requests = await wb.modelRequests();
    const prompt = JSON.stringify(requests[0].body.input);
    assert.ok(prompt.includes('def shout(name):\\n    ret<|cursor|>'), `the prompt has the cursor: ${prompt}`);
    assert.deepEqual(requests[0].body.tools, []);

    await wb.page.keyboard.press('Tab');
    await ghost.first().waitFor({ state: 'detached' });
    await wb.page.locator('.tab.active.dirty', { hasText: 'shout.py' }).waitFor();
    await wb.page.keyboard.press('Control+S');
    await wb.waitForFile('shout.py', SHOUT.replace('    re\n', '    return name.upper()\n'));
    log('Tab accepted the suggestion');
  });
}

const CALC = `export function double(n: number): number {
  return n * 2;
}

export const four = double(2);
`;

const CALC_BREAK = `*** Begin Patch
*** Update File: calc.ts
@@
-export const four = double(2);
+export const four = double("2");
*** End Patch
`;

/** codex/intel: VS Code's TypeScript features tell the model what its edit broke, and answer lsp_* tools. */
async function intel() {
  const at = { path: 'calc.ts', line: 5, symbol: 'double' };
  const turns = [
    { type: 'reply', items: [{ type: 'function_call', name: 'apply_patch', arguments: { input: CALC_BREAK }, call_id: 'edit' }] },
    {
      type: 'reply',
      items: [
        { type: 'function_call', name: 'lsp_definition', arguments: at, call_id: 'def' },
        { type: 'function_call', name: 'lsp_hover', arguments: at, call_id: 'hover' },
        { type: 'function_call', name: 'lsp_references', arguments: at, call_id: 'refs' },
      ],
    },
    { type: 'reply', items: [{ type: 'text', text: 'Seen the type error.' }] },
  ];
  const settings = { 'codex.approvalPolicy': 'never' };
  // A cold TypeScript server in a loaded workbench: a generous bound (the wait ends at the publish).
  const codexConfig = '[code_intel]\ndiagnostics_wait_ms = 20000\n';
  return withWorkbench('intel', { files: { 'calc.ts': CALC }, turns, settings, codexConfig }, async (wb) => {
    await wb.waitForServer();
    await wb.openFile('calc.ts');
    await wb.runCommand('Codex: Run Task…');
    await wb.answerInputBox('Codex: Run Task', 'pass the number as a string');
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: /──\s(answered|applied|rejected|failed|cancelled)/ }).waitFor({ timeout: 90000 });
    const requests = await wb.modelRequests();
    const outputs = {};
    for (const request of requests) {
      for (const item of request.body?.input ?? []) {
        if (item.type === 'function_call_output') outputs[item.call_id] = item.output;
      }
    }
    log(`tool outputs: ${JSON.stringify(outputs)}`);
    const tools = (requests[0]?.body?.tools ?? []).map((t) => t.name);
    assert.ok(tools.includes('lsp_definition'), `lsp tools offered: ${tools.join(', ')}`);
    assert.match(outputs.edit, /Diagnostics after this edit \(editor\): 1 error introduced by this edit:/);
    assert.match(outputs.edit, /calc\.ts:5:28: error: Argument of type 'string' is not assignable to parameter of type 'number'/);
    assert.equal(outputs.def, 'calc.ts:1:17: export function double(n: number): number {');
    assert.match(outputs.hover, /function double\(n: number\): number/);
    assert.deepEqual(outputs.refs.split('\n').sort(), [
      'calc.ts:1:17: export function double(n: number): number {',
      'calc.ts:5:21: export const four = double("2");',
    ]);
  });
}

export const scenarios = {
  saveAfterApply,
  apply,
  codexComment,
  reject,
  codeAction,
  hunks,
  noKey,
  askAndCancel,
  settingsAndRestart,
  commandApproval,
  noServer,
  bundled,
  noPython,
  panel,
  panelReload,
  panelHunks,
  panelImage,
  panelQuestions,
  reviewFindings,
  inlineCompletion,
  intel,
};
