/**
 * The model's questions (`codex/requestUserInput`) as a card in the Codex view (runs in
 * the webview): an option button or a text box per question, Answer / Dismiss. What the
 * user picked stays here until sent; the host answers the server.
 */

import type { Item } from '../panel/model';
import { button, codicon, el, post } from './dom';

export type QuestionItem = Extract<Item, { kind: 'question' }>;
/** Question card id -> the answers picked or typed so far (kept here until sent). */
const questionDrafts = new Map<string, Record<string, string>>();

/** Re-draws a card in place (main.ts keeps track of the rendered items). */
let redraw: (item: QuestionItem) => void = () => undefined;

/** Called once by main.ts with its way of re-drawing one item. */
export function onRedraw(fn: (item: QuestionItem) => void): void {
  redraw = fn;
}

function setAnswer(item: QuestionItem, questionId: string, answer: string, again: boolean): void {
  questionDrafts.set(item.id, { ...(questionDrafts.get(item.id) ?? {}), [questionId]: answer });
  if (again) redraw(item);
}

function answerQuestions(item: QuestionItem, answers: Record<string, string> | null): void {
  post({ type: 'answerQuestions', id: item.id, answers });
  questionDrafts.delete(item.id);
}

function renderAsk(item: QuestionItem, q: QuestionItem['questions'][number]): HTMLElement {
  const box = el('fieldset', 'ask');
  box.append(el('legend', 'header', q.header || 'Question'), el('div', 'text', q.question));
  if (item.state !== 'pending') {
    const answer = item.answers[q.id];
    box.append(el('div', 'answer', answer ? `Answer: ${answer}` : 'Not answered'));
    return box;
  }
  const draft = questionDrafts.get(item.id)?.[q.id] ?? '';
  const options = el('div', 'options');
  for (const o of q.options) {
    const picked = draft === o.label;
    const b = button(o.label, picked ? 'pass-filled' : 'circle-large-outline', () => setAnswer(item, q.id, o.label, true), {
      aria: `${q.header || q.question}: ${o.label}`,
    });
    b.setAttribute('aria-pressed', String(picked));
    if (o.description) b.title = `${o.label}: ${o.description}`;
    options.append(b);
  }
  const typed = el('input', 'typed');
  typed.type = 'text';
  typed.placeholder = q.options.length ? 'Or type another answer' : 'Your answer';
  typed.setAttribute('aria-label', `Answer to: ${q.question}`);
  typed.value = q.options.some((o) => o.label === draft) ? '' : draft;
  typed.addEventListener('input', () => setAnswer(item, q.id, typed.value, false));
  typed.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') answerQuestions(item, questionDrafts.get(item.id) ?? {});
  });
  box.append(options, typed);
  return box;
}

export function renderQuestion(item: QuestionItem): HTMLElement {
  const node = el('section', `item question ${item.state}`);
  node.setAttribute('aria-label', 'Codex asks');
  const heading = el('div', 'heading');
  heading.append(codicon('question'), ' Codex asks');
  node.append(heading, ...item.questions.map((q) => renderAsk(item, q)));
  if (item.state === 'pending') {
    const actions = el('div', 'actions');
    actions.append(
      button('Answer', 'send', () => answerQuestions(item, questionDrafts.get(item.id) ?? {}), { style: 'primary' }),
      button('Dismiss', 'close', () => answerQuestions(item, null), { aria: 'Dismiss the questions' }),
    );
    node.append(actions);
  } else {
    const states = { answered: 'Answered', dismissed: 'Dismissed', withdrawn: 'Withdrawn: Codex stopped waiting for an answer' };
    node.append(el('div', 'state', states[item.state]));
  }
  return node;
}
