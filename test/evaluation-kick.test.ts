import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { EvaluationKicker } from '../src/queue/evaluate.js';

/** Wake-ups of the evaluation: coalesced, except for a level at a threshold, which goes at once. */
function recordingQueue() {
  const added: number[] = [];
  const started = performance.now();
  const queue = { add: async () => void added.push(performance.now() - started) } as unknown as Queue;
  return { queue, added };
}

describe('EvaluationKicker', () => {
  it('coalesces ordinary wake-ups over its window into one', async () => {
    const { queue, added } = recordingQueue();
    const kicker = new EvaluationKicker(queue, pino({ level: 'silent' }), 30);
    for (let i = 0; i < 20; i++) kicker.kick();
    expect(added).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(added).toHaveLength(1);
    expect(added[0]).toBeGreaterThanOrEqual(25);
    kicker.close();
  });

  it('sends an urgent wake-up at once, taking a waiting one along', async () => {
    const { queue, added } = recordingQueue();
    const kicker = new EvaluationKicker(queue, pino({ level: 'silent' }), 30);
    kicker.kick();
    kicker.kick({ urgent: true });
    expect(added).toHaveLength(1); // sent in the same turn, not after the window
    await new Promise((r) => setTimeout(r, 60));
    expect(added).toHaveLength(1); // the waiting ordinary one went with it
    kicker.close();
    kicker.kick({ urgent: true });
    expect(added).toHaveLength(1); // nothing after close
  });
});
