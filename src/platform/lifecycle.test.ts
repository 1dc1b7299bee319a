import { describe, expect, it } from 'vitest';
import { createLifecycle, type Component } from './lifecycle.js';

interface Recorded {
  events: string[];
  warnings: { fields: object; message: string }[];
  errors: { fields: object; message: string }[];
}

function recorder(): Recorded & { log: Parameters<typeof createLifecycle>[1]['log'] } {
  const r: Recorded = { events: [], warnings: [], errors: [] };
  return {
    ...r,
    log: {
      info: () => undefined,
      warn: (fields, message) => r.warnings.push({ fields, message }),
      error: (fields, message) => r.errors.push({ fields, message }),
    },
  };
}

function fake(name: string, events: string[], behaviour: Partial<Component> = {}): Component {
  return {
    name,
    start: () => void events.push(`start ${name}`),
    stop: () => void events.push(`stop ${name}`),
    ...behaviour,
  };
}

describe('lifecycle', () => {
  it('starts in the order given and stops in reverse', async () => {
    const r = recorder();
    const lifecycle = createLifecycle(
      [fake('a', r.events), fake('b', r.events, { dependsOn: ['a'] }), fake('c', r.events, { dependsOn: ['a', 'b'] })],
      { log: r.log },
    );
    await lifecycle.start();
    expect(lifecycle.running()).toEqual(['a', 'b', 'c']);
    await lifecycle.stop();
    await lifecycle.stop();
    expect(r.events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(lifecycle.running()).toEqual([]);
  });

  it('rejects a list that is not in dependency order, or names a component twice', () => {
    const r = recorder();
    const outOfOrder = [fake('b', r.events, { dependsOn: ['a'] }), fake('a', r.events)];
    expect(() => createLifecycle(outOfOrder, { log: r.log })).toThrow(/depends on a/);
    expect(() => createLifecycle([fake('a', r.events), fake('a', r.events)], { log: r.log })).toThrow(/twice/);
  });

  it('stops what had started when a start fails, and rethrows the failure', async () => {
    const r = recorder();
    const failure = new Error('port in use');
    const lifecycle = createLifecycle(
      [
        fake('a', r.events),
        fake('b', r.events),
        fake('c', r.events, {
          start: () => {
            throw failure;
          },
        }),
        fake('d', r.events),
      ],
      { log: r.log },
    );
    await expect(lifecycle.start()).rejects.toBe(failure);
    expect(r.events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(r.errors.map((e) => e.fields)).toEqual([expect.objectContaining({ component: 'c' })]);
  });

  it('skips a stuck stop after its time limit, logs it, and still stops the rest', async () => {
    const r = recorder();
    const lifecycle = createLifecycle(
      [
        fake('a', r.events),
        fake('stuck', r.events, { stop: () => new Promise<void>(() => undefined), stopTimeoutMs: 30 }),
        fake('failing', r.events, {
          stop: () => {
            throw new Error('close failed');
          },
        }),
        fake('d', r.events),
      ],
      { log: r.log, stopTimeoutMs: 1_000 },
    );
    await lifecycle.start();
    await lifecycle.stop();
    expect(r.events.filter((e) => e.startsWith('stop'))).toEqual(['stop d', 'stop a']);
    expect(r.warnings.map((w) => w.fields)).toEqual([{ component: 'stuck', timeoutMs: 30 }]);
    expect(r.errors.map((e) => e.fields)).toEqual([expect.objectContaining({ component: 'failing' })]);
  });

  it('a stop during start aborts the starting component and stops the started ones', async () => {
    const r = recorder();
    let entered: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (entered = resolve));
    const lifecycle = createLifecycle(
      [
        fake('a', r.events),
        fake('waits-for-store', r.events, {
          start: (signal) =>
            new Promise<void>((_, reject) => {
              entered();
              signal.addEventListener('abort', () => reject(new Error('aborted')));
            }),
        }),
        fake('never', r.events),
      ],
      { log: r.log },
    );
    const start = lifecycle.start();
    await waiting;
    await lifecycle.stop();
    await expect(start).rejects.toThrow('aborted');
    expect(r.events).toEqual(['start a', 'stop a']);
    expect(r.errors).toEqual([]);
  });

  it('a stop during start whose component ignores the signal stops it once its start has finished', async () => {
    const r = recorder();
    let finish: () => void = () => undefined;
    const lifecycle = createLifecycle(
      [
        fake('slow', r.events, {
          start: () =>
            new Promise<void>((resolve) => {
              finish = () => {
                r.events.push('start slow');
                resolve();
              };
            }),
        }),
        fake('never', r.events),
      ],
      { log: r.log },
    );
    const start = lifecycle.start();
    const stop = lifecycle.stop();
    finish();
    await stop;
    await expect(start).rejects.toThrow(/before never started/);
    expect(r.events).toEqual(['start slow', 'stop slow']);
  });
});
