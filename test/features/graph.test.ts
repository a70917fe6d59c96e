import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import { buildGraph, componentRoots, componentRootsGraphology, householdGraph, latestGraphRun } from '../../features/index.ts';
import { addAttempt, addConsent, addCustomer } from './fixtures.ts';

const AS_OF = new Date('2024-06-10T00:00:00Z');

/**
 * Three households and a loner:
 *   H1 a1, a2, a3: a1 and a2 share P1; a2 was also dialled on P2, a3's number.
 *   H2 b1, b2, b3: b1 and b2 share household_id HH-9; b2 and b3 the same address (spelt differently).
 *   H3 c2, c3: share P6.
 *   c1 alone on P5.
 * Do-not-call: c2 opted out on P6 (2024-05-01); P1 is on a DNC list by number only; b1 has the
 * CRM do-not-call flag on its own number P3; a DNC entry on P5 dated after as-of does not count.
 */
async function seed(wh: Warehouse): Promise<void> {
  await addCustomer(wh, { id: 'a1', phone: 'P1' });
  await addCustomer(wh, { id: 'a2', phone: 'P1' });
  await addCustomer(wh, { id: 'a3', phone: 'P2' });
  await addAttempt(wh, { id: 'x1', customer: 'a2', phone: 'P2', at: '2024-03-01T10:00:00Z' });
  await addCustomer(wh, { id: 'b1', phone: 'P3', attributes: { household_id: 'HH-9' }, dnc: true, updated: '2024-02-01T00:00:00Z' });
  await addCustomer(wh, { id: 'b2', phone: 'P4', attributes: { household_id: 'HH-9', address: '12 High  Street' } });
  await addCustomer(wh, { id: 'b3', phone: 'P7', attributes: { address: ' 12 high street' } });
  await addCustomer(wh, { id: 'c1', phone: 'P5' });
  await addCustomer(wh, { id: 'c2', phone: 'P6' });
  await addCustomer(wh, { id: 'c3', phone: 'P6' });
  // created after as-of: not in the graph, and its number (P1) does not count
  await addCustomer(wh, { id: 'z9', phone: 'P1', created: '2024-07-01T00:00:00Z' });
  // dialled after as-of: that link does not count either
  await addAttempt(wh, { id: 'x2', customer: 'c1', phone: 'P6', at: '2024-06-20T10:00:00Z' });

  await addConsent(wh, { id: 'k1', customer: 'c2', phone: 'P6', kind: 'opt_out', at: '2024-05-01T09:30:00Z', source: 'call-log-may' });
  await addConsent(wh, { id: 'k2', phone: 'P1', kind: 'dnc', at: '2024-04-02T00:00:00Z', source: 'national-dnc' });
  await addConsent(wh, { id: 'k3', phone: 'P5', kind: 'dnc', at: '2024-06-11T00:00:00Z', source: 'national-dnc' });
}

describe('graph features', () => {
  let wh: Warehouse;
  let run: Awaited<ReturnType<typeof buildGraph>>;
  let rows: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    await seed(wh);
    run = await buildGraph(wh, { asOf: AS_OF });
    const list = await wh.query<Record<string, unknown>>(`SELECT * FROM customer_graph WHERE graph_run_id = $run`, { run: run.graphRunId });
    rows = new Map(list.map((r) => [String(r.customer_id), r]));
  });
  afterAll(async () => wh.close());

  it('finds households as connected components of customers, numbers and household keys', () => {
    expect(run.customers).toBe(9);
    const household = (id: string) => [rows.get(id)!.household_id, rows.get(id)!.household_size];
    for (const id of ['a1', 'a2', 'a3']) expect(household(id), id).toEqual(['a1', 3]);
    for (const id of ['b1', 'b2', 'b3']) expect(household(id), id).toEqual(['b1', 3]);
    for (const id of ['c2', 'c3']) expect(household(id), id).toEqual(['c2', 2]);
    expect(household('c1')).toEqual(['c1', 1]);
    expect(run.households).toBe(4);
    expect(run.largestHousehold).toBe(3);
    expect(rows.has('z9')).toBe(false);
  });

  it('counts how many customers share each number', () => {
    const sharing = (id: string) => rows.get(id)!.customers_sharing_number;
    expect(sharing('a1')).toBe(2); // P1: a1, a2 (z9 comes later)
    expect(sharing('a3')).toBe(2); // P2: a3, and a2 who was dialled on it
    expect(sharing('b1')).toBe(1);
    expect(sharing('c3')).toBe(2);
    expect(sharing('c1')).toBe(1); // the call to c1 on P6 is after as-of
    expect(rows.get('a2')!.numbers_linked).toBe(2);
    expect(run.sharedNumbers).toBe(3); // P1, P2, P6
  });

  it('blocks a number for every customer who shares it, with the reason', async () => {
    expect(rows.get('c2')).toMatchObject({
      blocked: true,
      blocked_reason: 'customer c2 opted out on 2024-05-01 (source call-log-may)',
    });
    expect(rows.get('c3')).toMatchObject({
      blocked: true,
      blocked_reason: 'number shared with customer c2 who opted out on 2024-05-01 (source call-log-may)',
    });
    for (const id of ['a1', 'a2']) {
      expect(rows.get(id), id).toMatchObject({
        blocked: true,
        blocked_reason: 'the number was put on the do-not-call list on 2024-04-02 (source national-dnc)',
      });
    }
    expect(rows.get('b1')).toMatchObject({ blocked: true });
    expect(String(rows.get('b1')!.blocked_reason)).toMatch(/^customer b1 has the do-not-call flag/);
    // same household, different (unblocked) number; a number nobody shares; a DNC entry after as-of
    for (const id of ['b2', 'b3', 'a3', 'c1']) expect(rows.get(id)!.blocked, id).toBe(false);
    expect(rows.get('c1')!.blocked_reason).toBeNull();

    const blocked = await wh.query<Record<string, unknown>>(
      `SELECT phone_hash, source_kind, source_customer_id, source, customers_affected, reason
       FROM blocked_numbers WHERE graph_run_id = $run ORDER BY phone_hash`,
      { run: run.graphRunId },
    );
    expect(blocked.map((b) => [b.phone_hash, b.source_kind, b.source_customer_id, b.customers_affected])).toEqual([
      ['P1', 'dnc', null, 2],
      ['P3', 'dnc_flag', 'b1', 1],
      ['P6', 'opt_out', 'c2', 2],
    ]);
    expect(run.blockedNumbers).toBe(3);
    expect(run.blockedCustomers).toBe(5);
  });

  it('gives the same households with graphology as with union-find', async () => {
    const other = await buildGraph(wh, { asOf: AS_OF, engine: 'graphology' });
    expect(other.engine).toBe('graphology');
    const diff = await wh.one<{ n: number }>(
      `SELECT count(*) AS n FROM customer_graph a JOIN customer_graph b USING (customer_id)
       WHERE a.graph_run_id = $a AND b.graph_run_id = $b
         AND (a.household_id <> b.household_id OR a.household_size <> b.household_size OR a.blocked <> b.blocked)`,
      { a: run.graphRunId, b: other.graphRunId },
    );
    expect(diff.n).toBe(0);
    expect((await latestGraphRun(wh))?.graphRunId).toBe(other.graphRunId);

    // and on random graphs
    let s = 7;
    const rand = (n: number) => {
      s = (s * 48271) % 2147483647;
      return s % n;
    };
    for (let trial = 0; trial < 20; trial++) {
      const customers = 1 + rand(60);
      const nodes = customers + 1 + rand(60);
      const edges = rand(120);
      const from = Int32Array.from({ length: edges }, () => rand(customers));
      const to = Int32Array.from({ length: edges }, () => customers + rand(nodes - customers));
      expect(Array.from(componentRoots(nodes, from, to, customers))).toEqual(
        Array.from(componentRootsGraphology(nodes, from, to, customers)),
      );
    }
  });

  it("returns one household's neighbourhood as a graphology graph", async () => {
    const g = await householdGraph(wh, 'a3', { graphRunId: run.graphRunId });
    expect(g.nodes().sort()).toEqual(['customer:a1', 'customer:a2', 'customer:a3', 'phone:P1', 'phone:P2']);
    expect(g.size).toBe(4);
    expect(g.getNodeAttributes('phone:P1')).toMatchObject({ kind: 'phone', blocked: true });
    expect(g.getNodeAttributes('phone:P2')).toMatchObject({ kind: 'phone', blocked: false });
    const h = await householdGraph(wh, 'b1', { graphRunId: run.graphRunId });
    expect(h.nodes().filter((n) => !n.startsWith('phone:')).sort()).toEqual([
      'address:12 high street',
      'customer:b1',
      'customer:b2',
      'customer:b3',
      'household:HH-9',
    ]);
    expect((await householdGraph(wh, 'nobody', { graphRunId: run.graphRunId })).order).toBe(0);
  });

  it('writes a run atomically: a failure half-way leaves earlier runs as they were', async () => {
    const count = async (table: string) => (await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).n;
    const before = { runs: await count('graph_runs'), customers: await count('customer_graph'), blocked: await count('blocked_numbers') };
    // fail after blocked_numbers has been written, before customer_graph
    const failing = buildGraph(wh, {
      asOf: AS_OF,
      onProgress: (p) => {
        if (p.step === 6) throw new Error('interrupted');
      },
    });
    await expect(failing).rejects.toThrow('interrupted');
    expect({ runs: await count('graph_runs'), customers: await count('customer_graph'), blocked: await count('blocked_numbers') }).toEqual(
      before,
    );
    const temp = await wh.query(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_\\_g%' ESCAPE '\\'`);
    expect(temp).toEqual([]);
    expect((await buildGraph(wh, { asOf: AS_OF })).customers).toBe(9);
  });
});
