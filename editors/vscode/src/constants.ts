/**
 * Identifiers shared by the extension: VS Code command ids (ours), the server's
 * `workspace/executeCommand` ids, setting keys, URI schemes and context keys.
 *
 * Our palette commands are `codex-lsp.*`: vscode-languageclient registers every
 * command the server lists in `executeCommandProvider` (`codex.*`) as a VS Code
 * command of the same id, so ours must not collide with those.
 */

export const EXTENSION_ID = 'codex-lsp.codex-lsp';
export const CLIENT_ID = 'codex'; // vscode-languageclient reads `codex.trace.server`
export const CLIENT_NAME = 'Codex LSP';

/** Output channels. */
export const LOG_CHANNEL = 'Codex LSP';
export const ANSWERS_CHANNEL = 'Codex';

/** Our VS Code commands (package.json `contributes.commands`). */
export const Commands = {
  editSelection: 'codex-lsp.editSelection',
  ask: 'codex-lsp.ask',
  runTask: 'codex-lsp.runTask',
  explainSelection: 'codex-lsp.explainSelection',
  cancel: 'codex-lsp.cancel',
  newThread: 'codex-lsp.newThread',
  resumeThread: 'codex-lsp.resumeThread',
  undo: 'codex-lsp.undo',
  showStatus: 'codex-lsp.showStatus',
  restartServer: 'codex-lsp.restartServer',
  showLog: 'codex-lsp.showLog',
  showOutput: 'codex-lsp.showOutput',
  reviewApply: 'codex-lsp.review.apply',
  reviewReject: 'codex-lsp.review.reject',
  signIn: 'codex-lsp.signIn',
  signOut: 'codex-lsp.signOut',
  openPanel: 'codex-lsp.openPanel',
  reviewFile: 'codex-lsp.reviewFile',
  reviewChanges: 'codex-lsp.reviewChanges',
  clearFindings: 'codex-lsp.clearFindings',
  toggleInlineCompletion: 'codex-lsp.toggleInlineCompletion',
} as const;

/** The server's `workspace/executeCommand` ids (docs/protocol.md). */
export const ServerCommands = {
  editSelection: 'codex.editSelection',
  explain: 'codex.explain',
  addDocstring: 'codex.addDocstring',
  writeTests: 'codex.writeTests',
  fixDiagnostic: 'codex.fixDiagnostic',
  ask: 'codex.ask',
  runTask: 'codex.runTask',
  cancel: 'codex.cancel',
  status: 'codex.status',
  newThread: 'codex.newThread',
  listThreads: 'codex.listThreads',
  resumeThread: 'codex.resumeThread',
  undo: 'codex.undo',
  login: 'codex.login',
  logout: 'codex.logout',
  review: 'codex.review',
  clearFindings: 'codex.clearFindings',
  toggleInlineCompletion: 'codex.toggleInlineCompletion',
  // Pending changes (clients without prompts); this extension answers codex/approveEdit.
  approve: 'codex.approve',
  reject: 'codex.reject',
  showDiff: 'codex.showDiff',
} as const;

/** Custom LSP methods (docs/protocol.md). */
export const Methods = {
  approveEdit: 'codex/approveEdit',
  approveCommand: 'codex/approveCommand',
  event: 'codex/event',
  /** Server -> client: ask VS Code's language features (src/intel.ts). */
  intel: 'codex/intel',
  /** Server -> client: the model's request_user_input questions (codexUserInput). */
  requestUserInput: 'codex/requestUserInput',
} as const;

/** Settings (package.json `contributes.configuration`), relative to `codex`. */
export const SETTINGS_SECTION = 'codex';
export const Settings = {
  serverPath: 'server.path',
  serverPython: 'server.python',
  serverEnv: 'server.env',
  daemon: 'server.daemon',
  model: 'model',
  reasoningEffort: 'reasoningEffort',
  approvalPolicy: 'approvalPolicy',
  sandboxMode: 'sandboxMode',
  profile: 'profile',
  inlineCompletion: 'inlineCompletion.enabled',
  saveAfterApply: 'saveAfterApply',
} as const;

/** Virtual documents holding proposed (and empty) file contents for the diff editor. */
export const PROPOSED_SCHEME = 'codex-proposed';

/** Context key: an edit review is waiting for Apply / Reject. */
export const REVIEWING_CONTEXT = 'codex-lsp.reviewing';
