/**
 * `codex/event` notifications as one discriminated union, one type per `type`, with
 * the field names the server sends: the agent events are the dataclasses of
 * codex_lsp/core/protocol.py (snake_case made camelCase by `event_to_dict`), the
 * others are built in codex_lsp/lsp (review, authRequired, login, approvalWithdrawn;
 * their `type` strings are in codex_lsp/wire.py). tests/unit/test_wire.py checks that
 * the kinds here are exactly the server's.
 *
 * Handlers are tables (kind -> function) dispatched by {@link dispatchEvent}, in place
 * of string switches: a table typed {@link EventTable} must handle every kind, so a
 * new kind is a compile error until each consumer decides what to do with it.
 *
 * Pure (no `vscode`): used by the extension host, the Codex view model and the unit tests.
 */

export type TurnStatus = 'applied' | 'rejected' | 'answered' | 'cancelled' | 'failed';
export type Phase = 'begin' | 'end';

export interface PlanStep {
  step: string;
  status: string;
}

/** A turn began; `title` is a short label for progress UIs. */
export interface TurnStartedEvent {
  type: 'turnStarted';
  threadId: string;
  title: string;
}

/** Streamed answer text (coalesced by the server). */
export interface TextEvent {
  type: 'text';
  threadId: string;
  delta: string;
}

/** Streamed reasoning summary ("thinking"). */
export interface ReasoningEvent {
  type: 'reasoning';
  threadId: string;
  delta: string;
}

/** The provider's usage-limit windows (`primary`, `secondary`) after a response. */
export interface RateLimitsEvent {
  type: 'rateLimits';
  threadId: string;
  windows: Record<string, Record<string, number>>;
}

/** The partial answer so far is void (the model stream was retried). */
export interface TextResetEvent {
  type: 'textReset';
  threadId: string;
}

/** A tool started or finished; `callId` pairs the two. */
export interface ToolEvent {
  type: 'tool';
  threadId: string;
  name: string;
  detail: string;
  phase: Phase;
  ok: boolean;
  callId: string | null;
  output: string | null;
  exitCode: number | null;
  /** How a tool that ended the turn ended it (`rejected`: the user said no). */
  outcome: TurnStatus | null;
}

/** The latest lines a running command printed (shell, exec_command, write_stdin). */
export interface ToolOutputEvent {
  type: 'toolOutput';
  threadId: string;
  callId: string | null;
  tail: string;
}

/** The model's built-in web search. */
export interface WebSearchEvent {
  type: 'webSearch';
  threadId: string;
  callId: string;
  phase: Phase;
  /** "Searching the web: <query>" (or opening a page, finding in one). */
  detail: string;
  status: string | null;
  query: string | null;
  sources: string[];
}

/** The model's plan (`update_plan`). */
export interface PlanEvent {
  type: 'plan';
  threadId: string;
  plan: PlanStep[];
  explanation: string | null;
}

/** Something the user should know that is not the answer (retries, warnings). */
export interface NoticeEvent {
  type: 'notice';
  threadId: string;
  message: string;
  level: 'info' | 'warning' | 'error';
}

/** The turn ended; `status` is the command's result status. */
export interface TurnFinishedEvent {
  type: 'turnFinished';
  threadId: string;
  status: TurnStatus;
  text: string;
  error: string | null;
  changedFiles: string[];
}

/** A code review ended (`codex.review`; wire.REVIEW_EVENT). */
export interface ReviewEvent {
  type: 'review';
  threadId: string | null;
  scope: string;
  summary: string;
  findings: unknown[];
}

/** No usable credentials (wire.AUTH_REQUIRED_EVENT); `action` offers the sign-in. */
export interface AuthRequiredEvent {
  type: 'authRequired';
  reason: string;
  message: string;
  action?: string;
}

/** Sign-in progress (wire.LOGIN_EVENT). */
export interface LoginEvent {
  type: 'login';
  state: 'waiting' | 'signedIn' | 'signedOut' | 'failed';
  method: string;
  url?: string;
  userCode?: string;
  email?: string;
  plan?: string;
  error?: string;
  reason?: string;
}

/** A prompt timed out on the server: its card or dialog is gone. */
export interface ApprovalWithdrawnEvent {
  type: 'approvalWithdrawn';
  threadId: string;
  kind: 'edit' | 'command';
  /** For a command: "shell" or "mcp". */
  action?: 'shell' | 'mcp';
}

/** The server stopped waiting for a `codex/requestUserInput` answer (it also cancels the request). */
export interface QuestionWithdrawnEvent {
  type: 'questionWithdrawn';
  threadId: string;
  callId: string;
  reason: 'timeout' | 'cancelled';
}

export type CodexEvent =
  | TurnStartedEvent
  | TextEvent
  | ReasoningEvent
  | RateLimitsEvent
  | TextResetEvent
  | ToolEvent
  | ToolOutputEvent
  | WebSearchEvent
  | PlanEvent
  | NoticeEvent
  | TurnFinishedEvent
  | ReviewEvent
  | AuthRequiredEvent
  | LoginEvent
  | ApprovalWithdrawnEvent
  | QuestionWithdrawnEvent;

export type CodexEventType = CodexEvent['type'];
export type EventOf<K extends CodexEventType> = Extract<CodexEvent, { type: K }>;

/** A handler for every kind (a new kind does not compile until it is handled). */
export type EventTable<R = void> = { [K in CodexEventType]: (event: EventOf<K>) => R };
/** Handlers for some kinds; the others are ignored. */
export type SomeEvents<R = void> = Partial<EventTable<R>>;

/** Every kind, once (a `Record` over the union: none missing, none extra). */
const KINDS: Record<CodexEventType, true> = {
  turnStarted: true,
  text: true,
  reasoning: true,
  rateLimits: true,
  textReset: true,
  tool: true,
  toolOutput: true,
  webSearch: true,
  plan: true,
  notice: true,
  turnFinished: true,
  review: true,
  authRequired: true,
  login: true,
  approvalWithdrawn: true,
  questionWithdrawn: true,
};

export const EVENT_TYPES = Object.keys(KINDS) as CodexEventType[];

/** A notification of a kind this extension knows (a newer server may send others: ignored). */
export function isCodexEvent(raw: unknown): raw is CodexEvent {
  if (typeof raw !== 'object' || raw === null) return false;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(KINDS, type);
}

/** Run the table's handler for `event`'s kind (undefined when the table has none). */
export function dispatchEvent<R>(table: SomeEvents<R>, event: CodexEvent): R | undefined {
  const handler = table[event.type] as ((e: CodexEvent) => R) | undefined;
  return handler?.(event);
}
