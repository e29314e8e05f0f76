import { describe, expect, it } from 'vitest';
import { hashLearnerKey, newLearnerKey } from './learner-key.js';
import { Session } from './session.js';
import { SessionIndex } from './session-index.js';

const key = newLearnerKey();
const learner = hashLearnerKey(key);
const other = hashLearnerKey(newLearnerKey());
const session = (id: string, learnerHash = learner, lesson = 'a') => new Session(id, lesson, learnerHash, `c-${id}`, `n-${id}`, 0, 60_000);

describe('SessionIndex', () => {
  it('adds, finds by id, lists in order and removes', () => {
    const index = new SessionIndex();
    const first = session('aaa');
    const second = session('bbb', other);
    index.add(first);
    index.add(second);
    expect(index.size).toBe(2);
    expect(index.get('bbb')).toBe(second);
    expect(index.list()).toEqual([first, second]);
    index.remove(first);
    expect(index.get('aaa')).toBeUndefined();
    expect(index.list()).toEqual([second]);
  });

  it("finds a learner's live session by the hash of their key, never an ended one", () => {
    const index = new SessionIndex();
    const held = session('aaa');
    index.add(held);
    index.add(session('bbb', other));
    expect(index.forLearner(learner)).toBe(held);
    expect(index.forLearner(hashLearnerKey(newLearnerKey()))).toBeUndefined();
    expect(index.forLearner('not-hex')).toBeUndefined();
    held.ended = true;
    expect(index.forLearner(learner)).toBeUndefined();
  });

  it("opens a lesson's session only with its learner's key, and only for that lesson", () => {
    const index = new SessionIndex();
    const held = session('aaa', learner, 'a');
    index.add(held);
    expect(index.authenticate('a', key)).toBe(held);
    expect(index.authenticate('b', key)).toBeUndefined();
    expect(index.authenticate('a', newLearnerKey())).toBeUndefined();
    for (const bad of [undefined, 42, '', learner, { key }]) expect(index.authenticate('a', bad)).toBeUndefined();
  });

  it('finds the session a preview token or host opens, while it lives', () => {
    const index = new SessionIndex();
    const held = session('aaa');
    index.add(held);
    index.add(session('bbb', other));
    expect(index.byPreviewToken(held.previewToken)).toBe(held);
    expect(index.byPreviewHost(held.previewHost)).toBe(held);
    expect(index.byPreviewToken(held.previewHost)).toBeUndefined();
    expect(index.byPreviewHost('')).toBeUndefined();
    held.ended = true;
    expect(index.byPreviewToken(held.previewToken)).toBeUndefined();
    expect(index.byPreviewHost(held.previewHost)).toBeUndefined();
  });
});
