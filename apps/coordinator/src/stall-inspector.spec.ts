import { describe, expect, it } from 'vitest';
import { StallInspector, type Stall } from './stall-inspector.js';

function inspector(): { inspector: StallInspector; warned: Stall[]; aborted: Promise<Stall> } {
  const warned: Stall[] = [];
  let abort: (s: Stall) => void = () => {};
  const aborted = new Promise<Stall>((resolve) => (abort = resolve));
  return { inspector: new StallInspector(30, 90, (s) => warned.push(s), abort), warned, aborted };
}

describe('StallInspector', () => {
  it('warns, then aborts, naming the ranks that never entered the collective', async () => {
    const { inspector: s, warned, aborted } = inspector();
    s.enter(0, 7, 'grads', 4);
    s.enter(2, 7, 'grads', 4);
    const stall = await aborted;
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ name: 'grads', step: 7, entered: [0, 2], missing: [1, 3] });
    expect(stall).toMatchObject({ name: 'grads', step: 7, missing: [1, 3] });
    // The abort comes after the warning (timers may fire a millisecond early, so no exact bound here).
    expect(stall.waitedMs).toBeGreaterThan(warned[0]?.waitedMs ?? Number.POSITIVE_INFINITY);
  });

  it('stays quiet when every rank arrives, and a new step replaces the old watch', async () => {
    const { inspector: s, warned } = inspector();
    s.enter(0, 1, 'grads', 2);
    s.enter(1, 1, 'grads', 2);
    s.enter(0, 2, 'grads', 2);
    s.clear();
    await new Promise((r) => setTimeout(r, 150));
    expect(warned).toEqual([]);
  });
});
