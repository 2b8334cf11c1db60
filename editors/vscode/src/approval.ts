/**
 * The logic of edit review, without UI: the shapes of `codex/approveEdit` and
 * `codex/approveCommand`, the answer for a decision and a per-hunk choice, the
 * text that results from applying only some hunks, and QuickPick labels.
 *
 * Pure (no `vscode` import): unit-tested in plain Node. `approvalUi.ts` is the UI.
 */

export interface Hunk {
  index: number;
  /** 0-based first line of the hunk in the old text. */
  oldStart: number;
  oldLines: string[];
  newLines: string[];
}

export interface ProposedFile {
  uri: string;
  path: string;
  kind: 'add' | 'update' | 'delete';
  moveTo: string | null;
  diff: string;
  /** Null for an added file, and for an update unless the client asked for full texts. */
  oldText: string | null;
  /** Null for a deleted file, and for an update unless the client asked for full texts. */
  newText: string | null;
  hunks: Hunk[];
}

export interface ApproveEditParams {
  threadId: string;
  title: string;
  summary: string;
  files: ProposedFile[];
  edit?: unknown;
}

export type Decision = 'approve' | 'approveForSession' | 'reject';

export interface ApproveEditAnswer {
  decision: Decision;
  /** file uri -> hunk indices to apply; files not listed keep all their hunks. */
  hunks?: Record<string, number[]>;
}

export interface ApproveCommandParams {
  threadId: string;
  command: string[];
  cwd: string;
  reason?: string | null;
}

/** One hunk the user can keep or drop; `index` {@link WHOLE_FILE} is a file without hunks. */
export interface HunkRef {
  uri: string;
  index: number;
}

/** The choice for a file the server sent no hunks for (a new or deleted file). */
export const WHOLE_FILE = -1;

/**
 * Everything a per-hunk choice can keep or drop, in order (all kept to start with):
 * each hunk, and each file without hunks as a whole.
 */
export function allHunks(params: ApproveEditParams): HunkRef[] {
  const refs: HunkRef[] = [];
  for (const file of params.files) {
    const hunks = file.hunks ?? [];
    if (hunks.length === 0) {
      refs.push({ uri: file.uri, index: WHOLE_FILE });
    }
    for (const h of hunks) {
      refs.push({ uri: file.uri, index: h.index });
    }
  }
  return refs;
}

/** The hunk indices of `file` kept in `kept`. */
export function keptIndices(file: ProposedFile, kept: readonly HunkRef[]): Set<number> {
  return new Set(kept.filter((k) => k.uri === file.uri).map((k) => k.index));
}

/** Offer a per-hunk choice only when there is more than one thing to choose. */
export function offersHunkChoice(params: ApproveEditParams): boolean {
  return allHunks(params).length > 1;
}

/**
 * The answer for a decision. With `kept` (a per-hunk choice), files whose hunks are
 * all kept are left out of `hunks` (the server keeps all of theirs), the others list
 * the kept indices (an empty list drops the file). Keeping nothing is a rejection.
 */
export function buildAnswer(
  decision: Decision,
  params: ApproveEditParams,
  kept?: readonly HunkRef[],
): ApproveEditAnswer {
  if (decision === 'reject' || kept === undefined) {
    return { decision };
  }
  if (kept.length === 0) {
    return { decision: 'reject' };
  }
  const hunks: Record<string, number[]> = {};
  for (const file of params.files) {
    const keep = keptIndices(file, kept);
    const offered = (file.hunks ?? []).map((h) => h.index);
    if (offered.length === 0) {
      if (!keep.has(WHOLE_FILE)) hunks[file.uri] = []; // an empty list drops the file
      continue;
    }
    const chosen = offered.filter((i) => keep.has(i));
    if (chosen.length !== offered.length) {
      hunks[file.uri] = chosen;
    }
  }
  return Object.keys(hunks).length > 0 ? { decision, hunks } : { decision };
}

/** Split text into lines keeping each line's end, so joining gives the text back. */
export function splitLinesKeepEnds(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}

function lineBody(line: string): string {
  return line.replace(/\r?\n$/, '');
}

/**
 * `oldText` with only the chosen hunks applied (what the file will hold if the
 * server applies that choice; the same rule as the server's `apply_hunks`), used to
 * preview a partial choice. Hunks whose old lines do not match the text are skipped
 * rather than guessed at.
 */
export function applyHunks(oldText: string, hunks: readonly Hunk[], keep: ReadonlySet<number>): string {
  const lines = splitLinesKeepEnds(oldText);
  const eol = oldText.includes('\r\n') ? '\r\n' : '\n';
  const endsWithEol = oldText === '' || /\n$/.test(oldText);
  const out: string[] = [];
  let cursor = 0;
  const ordered = [...hunks].sort((a, b) => a.oldStart - b.oldStart);
  for (const h of ordered) {
    if (!keep.has(h.index)) continue;
    if (h.oldStart < cursor) continue; // overlapping hunks: keep the first
    const current = lines.slice(h.oldStart, h.oldStart + h.oldLines.length).map(lineBody);
    if (current.length !== h.oldLines.length || current.some((l, i) => l !== lineBody(h.oldLines[i]))) {
      continue;
    }
    out.push(...lines.slice(cursor, h.oldStart));
    const lastOld = h.oldStart + h.oldLines.length === lines.length;
    // The server sends lines with their endings; tolerate lines without.
    h.newLines.forEach((l, i) => {
      const atEnd = lastOld && i === h.newLines.length - 1;
      out.push(/\n$/.test(l) || (atEnd && !endsWithEol) ? l : l + eol);
    });
    cursor = h.oldStart + h.oldLines.length;
  }
  out.push(...lines.slice(cursor));
  return out.join('');
}

/**
 * The file with its texts filled in when the server left them out (an update's
 * `oldText`/`newText` come only to clients that ask for full texts): `current` is
 * the document as the editor has it, the new text is it with every hunk applied.
 */
export function withTexts(file: ProposedFile, current: string): ProposedFile {
  if (file.kind !== 'update' || file.newText !== null) return file;
  const all = new Set(file.hunks.map((h) => h.index));
  return { ...file, oldText: current, newText: applyHunks(current, file.hunks, all) };
}

/** A QuickPick row for a file without hunks (kept or dropped whole). */
export function describeWholeFile(file: ProposedFile): { label: string; detail: string } {
  const what = { add: 'new file', delete: 'delete file', update: 'whole file' }[file.kind];
  const lines = (file.newText ?? file.oldText ?? '').split('\n').length;
  return { label: `${file.path}: ${what}`, detail: file.kind === 'delete' ? '' : `${lines} lines` };
}

/** A QuickPick row for a hunk: where it is and what it changes. */
export function describeHunk(file: ProposedFile, hunk: Hunk): { label: string; detail: string } {
  const removed = hunk.oldLines.length;
  const added = hunk.newLines.length;
  const line = hunk.oldStart + 1;
  const first = (hunk.newLines.find((l) => l.trim()) ?? hunk.oldLines.find((l) => l.trim()) ?? '').trim();
  return {
    label: `${file.path}: line ${line} (+${added} -${removed})`,
    detail: first.length > 80 ? `${first.slice(0, 77)}...` : first,
  };
}

/** `["pytest", "-q"]` -> `pytest -q`, quoting what a shell would need quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** A hunk (or a file without hunks) as a review card lists it, kept or not. */
export interface CardHunk {
  uri: string;
  index: number;
  label: string;
  detail: string;
  kept: boolean;
}

/** The card's per-hunk choices (all kept to start with); none when there is one thing. */
export function cardHunks(params: ApproveEditParams): CardHunk[] {
  if (!offersHunkChoice(params)) return [];
  return allHunks(params).map((ref) => {
    const file = params.files.find((f) => f.uri === ref.uri)!;
    const hunk = file.hunks.find((h) => h.index === ref.index);
    return { ...ref, ...(hunk ? describeHunk(file, hunk) : describeWholeFile(file)), kept: true };
  });
}

/** The kept hunks of a card, or undefined when all are kept (a plain Apply). */
export function keptFromCard(hunks: readonly CardHunk[]): HunkRef[] | undefined {
  if (hunks.every((h) => h.kept)) return undefined;
  return hunks.filter((h) => h.kept).map(({ uri, index }) => ({ uri, index }));
}
