/**
 * Editing a draft of the view state in place: add an item, change one (bumping its `rev`),
 * find the latest of a kind, stop streaming. The reducer and the event table both use them;
 * `reduce` copies the state first, so the caller's state is never changed.
 */

import type { Item, PanelState } from './state';

export type Draft = PanelState;
type NewItem = Item extends infer T ? (T extends Item ? Omit<T, 'id' | 'rev'> : never) : never;

export function push(s: Draft, item: NewItem, id?: string): void {
  s.items.push({ ...item, id: id ?? `i${s.nextId++}`, rev: 1 } as Item);
}

export function change<K extends Item['kind']>(item: Extract<Item, { kind: K }>, patch: Partial<Extract<Item, { kind: K }>>): void {
  Object.assign(item, patch);
  item.rev += 1;
}

export function last<K extends Item['kind']>(s: Draft, kind: K, test: (i: Extract<Item, { kind: K }>) => boolean = () => true) {
  for (let i = s.items.length - 1; i >= 0; i--) {
    const item = s.items[i];
    if (item.kind === kind && test(item as Extract<Item, { kind: K }>)) return item as Extract<Item, { kind: K }>;
  }
  return undefined;
}

/** Streaming items stop streaming (a turn ended, or the answer began after the reasoning). */
export function settle(s: Draft, kinds: Item['kind'][] = ['assistant', 'reasoning']): void {
  for (const item of s.items) {
    if ((item.kind === 'assistant' || item.kind === 'reasoning') && item.streaming && kinds.includes(item.kind)) {
      change(item, { streaming: false });
    }
  }
}
