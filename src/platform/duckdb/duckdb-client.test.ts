import { afterEach, describe, expect, it } from 'vitest';
import { runAsBackground } from '../background-work.js';
import { createDuckDbClient, queryRows, type DuckDbClient } from './duckdb-client.js';

/** A promise and the function that settles it: an operation holds its connection until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const count = async (client: DuckDbClient, via: 'run' | 'read' = 'read') =>
  client[via](async (c) => Number((await queryRows(c, 'SELECT count(*) AS n FROM t'))[0]?.n));

describe('DuckDB client: reads beside the write sequence', () => {
  let client: DuckDbClient;
  afterEach(async () => {
    await client.close();
  });

  const withTable = async (options: { readConnections?: number } = {}) => {
    client = createDuckDbClient({ path: ':memory:', ...options });
    await client.run(async (c) => {
      await c.run('CREATE TABLE t (v INTEGER)');
      await c.run('INSERT INTO t VALUES (1)');
    });
  };

  it('answers a read while a write holds the write connection, from what was committed', async () => {
    await withTable();
    const held = gate();
    const entered = gate();
    const write = client.run(async (c) => {
      await c.run('BEGIN TRANSACTION');
      await c.run('INSERT INTO t VALUES (2)');
      entered.open();
      await held.opened;
      await c.run('COMMIT');
    });
    await entered.opened;
    // Queued behind the write, this read would wait for a gate only opened after it answers.
    expect(await count(client)).toBe(1);
    held.open();
    await write;
    expect(await count(client)).toBe(2);
  });

  it('answers a read while another read holds its connection', async () => {
    await withTable();
    const held = gate();
    const entered = gate();
    const long = client.read(async (c) => {
      entered.open();
      await held.opened;
      return queryRows(c, 'SELECT 1 AS one');
    });
    await entered.opened;
    expect(await count(client)).toBe(1);
    held.open();
    expect(await long).toEqual([{ one: 1 }]);
  });

  it("gives a read one snapshot: a write committed during the read is not in the read's later statements", async () => {
    await withTable();
    const [before, during] = await client.read(async (c) => {
      const first = Number((await queryRows(c, 'SELECT count(*) AS n FROM t'))[0]?.n);
      await client.run((w) => w.run('INSERT INTO t VALUES (2)'));
      const second = Number((await queryRows(c, 'SELECT count(*) AS n FROM t'))[0]?.n);
      return [first, second];
    });
    expect([before, during]).toEqual([1, 1]);
    expect(await count(client)).toBe(2);
  });

  it('reuses a read connection, a failed read included, and drops what a read made in it', async () => {
    await withTable({ readConnections: 1 });
    const seen: unknown[] = [];
    await client.read(async (c) => {
      seen.push(c);
      await c.run('CREATE TEMP TABLE scratch AS SELECT 1 AS x');
      expect(await queryRows(c, 'SELECT x FROM scratch')).toEqual([{ x: 1 }]);
    });
    await expect(
      client.read((c) => {
        seen.push(c);
        return queryRows(c, 'SELECT x FROM scratch');
      }),
    ).rejects.toMatchObject({ code: 'STORE_QUERY_FAILED' });
    expect(await client.read(async (c) => (seen.push(c), queryRows(c, 'SELECT count(*) AS n FROM t')))).toEqual([
      { n: 1n },
    ]);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
  });

  it('waits for a running read on close, and refuses reads after it', async () => {
    await withTable();
    const held = gate();
    const entered = gate();
    const read = client.read(async (c) => {
      entered.open();
      await held.opened;
      return Number((await queryRows(c, 'SELECT count(*) AS n FROM t'))[0]?.n);
    });
    await entered.opened;
    const closing = client.close();
    held.open();
    expect(await read).toBe(1);
    await closing;
    await expect(count(client)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(count(client, 'run')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    client = createDuckDbClient({ path: ':memory:' });
  });
});

describe('DuckDB client: requests before background work', () => {
  let client: DuckDbClient;
  afterEach(async () => {
    await client.close();
  });

  const withTable = async (readConnections: number) => {
    client = createDuckDbClient({ path: ':memory:', readConnections });
    await client.run(async (c) => {
      await c.run('CREATE TABLE t (v INTEGER)');
      await c.run('INSERT INTO t VALUES (1)');
    });
  };

  /** A background read that enters (noted in `order`) and holds its connection until `held` opens. */
  const backgroundRead = (name: string, order: string[], held: Promise<void>) => {
    const entered = gate();
    const done = runAsBackground(() =>
      client.read(async (c) => {
        order.push(name);
        entered.open();
        await held;
        return queryRows(c, 'SELECT 1 AS one');
      }),
    );
    return { entered: entered.opened, done };
  };

  it('keeps a read connection free of background work: a request is answered while two background reads wait', async () => {
    await withTable(2);
    const order: string[] = [];
    const held = gate();
    const first = backgroundRead('background 1', order, held.opened);
    const second = backgroundRead('background 2', order, held.opened);
    await first.entered;
    // The second background read would take the other connection; it waits, so the request is answered now.
    expect(await count(client)).toBe(1);
    expect(order).toEqual(['background 1']);
    held.open();
    await Promise.all([first.done, second.done]);
    expect(order).toEqual(['background 1', 'background 2']);
  });

  it('hands a freed connection to a waiting request before a background read queued earlier', async () => {
    await withTable(1);
    const order: string[] = [];
    const held = gate();
    const first = backgroundRead('background 1', order, held.opened);
    await first.entered;
    const second = backgroundRead('background 2', order, Promise.resolve());
    const request = client.read(async (c) => {
      order.push('request');
      return queryRows(c, 'SELECT 1 AS one');
    });
    held.open();
    await Promise.all([first.done, second.done, request]);
    expect(order).toEqual(['background 1', 'request', 'background 2']);
  });
});
