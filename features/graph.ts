import { UndirectedGraph } from 'graphology';
import { connectedComponents } from 'graphology-components';
import { bulkAppend, type Warehouse } from '../warehouse/index.ts';
import { FeatureBuildError } from './errors.ts';
import { withFeatureLock } from './engine.ts';
import type { OnProgress } from './progress.ts';

/**
 * Graph features: customers linked to the phone numbers they have or were dialled on, and to
 * household keys from their CRM attributes (`household_id`, `address`). Connected components
 * are households: household_id is the smallest customer_id in the component. How many
 * customers share a number is a strong sign of a wrong number. Do-not-call propagation: an
 * opt-out or DNC entry on a number blocks that number for every customer whose number it is,
 * with the reason recorded.
 *
 * Components run on typed arrays (union-find over dense integer ids numbered by DuckDB):
 * graphology takes ~13 s to build and ~13 s to split a 1M-customer graph where union-find
 * takes ~0.1 s (measured; see bench/features.bench.ts). graphology is used where it fits:
 * as a cross-checking engine (`engine: 'graphology'`) and for one household's neighbourhood
 * (householdGraph), which notebooks and dashboards can traverse and lay out.
 */

export type GraphEngine = 'union-find' | 'graphology';

export interface BuildGraphOptions {
  /** Only customers created, attempts made and consents effective before this time (default: now). */
  asOf?: Date;
  engine?: GraphEngine;
  onProgress?: OnProgress;
}

export interface GraphResult {
  graphRunId: number;
  asOf: Date;
  engine: GraphEngine;
  customers: number;
  numbers: number;
  householdKeys: number;
  edges: number;
  households: number;
  largestHousehold: number;
  /** Numbers linked to more than one customer. */
  sharedNumbers: number;
  blockedNumbers: number;
  /** Customers whose current number is blocked. */
  blockedCustomers: number;
  seconds: number;
  /** Seconds per phase: SQL to build ids and edges, reading edges, components, writing results. */
  timings: { prepare: number; read: number; components: number; write: number };
}

const STEPS = 6;

// Customers that exist at as-of, numbered 0…n-1 in customer_id order, so the smallest index
// in a component is its smallest customer_id.
const CUSTOMERS_SQL = `
CREATE OR REPLACE TEMP TABLE __g_customers AS
SELECT (row_number() OVER (ORDER BY customer_id) - 1)::INTEGER AS idx,
       customer_id,
       phone_hash,
       nullif(trim(json_extract_string(attributes, '$.household_id')), '') AS household_id,
       nullif(lower(regexp_replace(trim(json_extract_string(attributes, '$.address')), '\\s+', ' ', 'g')), '') AS address
FROM customers
WHERE created_at IS NULL OR created_at < $as_of`;

// customer → key links: current number, other numbers dialled for the customer before as-of
// (most calls go to the current number, so filtering those out first keeps the DISTINCT
// small), and household keys. The four parts are disjoint, so each edge exists once.
const LINKS_SQL = `
CREATE OR REPLACE TEMP TABLE __g_links AS
SELECT idx AS cidx, 'phone' AS kind, phone_hash AS key FROM __g_customers WHERE phone_hash IS NOT NULL
UNION ALL
SELECT DISTINCT c.idx, 'phone', a.phone_hash
FROM call_attempts a
JOIN __g_customers c ON c.customer_id = a.customer_id
WHERE a.started_at < $as_of AND a.phone_hash IS NOT NULL AND a.phone_hash IS DISTINCT FROM c.phone_hash
UNION ALL
SELECT idx, 'household', household_id FROM __g_customers WHERE household_id IS NOT NULL
UNION ALL
SELECT idx, 'address', address FROM __g_customers WHERE address IS NOT NULL`;

// Keys numbered after the customers: n…n+k-1.
const KEYS_SQL = `
CREATE OR REPLACE TEMP TABLE __g_keys AS
SELECT (row_number() OVER (ORDER BY kind, key) - 1 + (SELECT count(*) FROM __g_customers))::INTEGER AS kidx, kind, key
FROM (SELECT DISTINCT kind, key FROM __g_links)`;

const EDGES_SQL = `SELECT l.cidx, k.kidx FROM __g_links l JOIN __g_keys k ON k.kind = l.kind AND k.key = l.key`;

// The earliest opt-out / DNC entry per number. A consent names a number (phone_hash) or a
// customer (then that customer's current number); the CRM's dnc flag counts from the record's
// time. Each entry reads as "<who> <what> on <date> (source …)".
const BLOCKED_SQL = `
CREATE OR REPLACE TEMP TABLE __g_blocked AS
WITH entries AS (
  SELECT coalesce(k.phone_hash, c.phone_hash) AS phone_hash, k.kind AS source_kind, k.customer_id AS source_customer_id,
         k.source, k.effective_at
  FROM consents k LEFT JOIN customers c ON c.customer_id = k.customer_id
  WHERE k.kind IN ('opt_out', 'dnc') AND k.effective_at < $as_of
  UNION ALL
  SELECT phone_hash, 'dnc_flag', customer_id, source, coalesce(updated_at, created_at)
  FROM customers
  WHERE dnc AND coalesce(updated_at, created_at, '-infinity'::TIMESTAMPTZ) < $as_of
),
earliest AS (
  SELECT * FROM entries WHERE phone_hash IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY phone_hash ORDER BY effective_at NULLS FIRST, source_kind, source_customer_id) = 1
)
SELECT phone_hash, source_kind, source_customer_id, source, effective_at,
       CASE source_kind
         WHEN 'opt_out' THEN 'opted out on ' || coalesce(strftime(effective_at, '%Y-%m-%d'), 'an unknown date')
         WHEN 'dnc' THEN 'was put on the do-not-call list on ' || coalesce(strftime(effective_at, '%Y-%m-%d'), 'an unknown date')
         ELSE 'has the do-not-call flag in the customer record, recorded ' || coalesce(strftime(effective_at, '%Y-%m-%d'), 'at an unknown date')
       END || ' (source ' || coalesce(source, 'unknown') || ')' AS what
FROM earliest`;

const WRITE_BLOCKED_SQL = `
INSERT INTO blocked_numbers (graph_run_id, phone_hash, reason, source_kind, source_customer_id, source, effective_at, customers_affected)
SELECT $run, b.phone_hash,
       CASE WHEN b.source_customer_id IS NOT NULL THEN 'customer ' || b.source_customer_id || ' ' || b.what
            ELSE 'the number ' || b.what END,
       b.source_kind, b.source_customer_id, b.source, b.effective_at,
       (SELECT count(*) FROM __g_customers c WHERE c.phone_hash = b.phone_hash)::INTEGER
FROM __g_blocked b
ORDER BY b.phone_hash`;

const WRITE_CUSTOMERS_SQL = `
INSERT INTO customer_graph (graph_run_id, customer_id, household_id, household_size, phone_hash, customers_sharing_number,
                            numbers_linked, blocked, blocked_reason)
WITH sizes AS (
  SELECT root, count(*) AS size FROM __g_roots GROUP BY root
),
comp AS (
  SELECT r.idx, r.root, z.size FROM __g_roots r JOIN sizes z ON z.root = r.root
),
sharing AS (
  SELECT key AS phone_hash, count(*) AS n FROM __g_links WHERE kind = 'phone' GROUP BY key
),
linked AS (
  SELECT cidx, count(*) AS numbers FROM __g_links WHERE kind = 'phone' GROUP BY cidx
)
SELECT $run, c.customer_id, h.customer_id, comp.size::INTEGER, c.phone_hash, s.n::INTEGER, coalesce(l.numbers, 0)::INTEGER,
       b.phone_hash IS NOT NULL,
       CASE
         WHEN b.phone_hash IS NULL THEN NULL
         WHEN b.source_customer_id = c.customer_id THEN 'customer ' || c.customer_id || ' ' || b.what
         WHEN b.source_customer_id IS NOT NULL THEN 'number shared with customer ' || b.source_customer_id || ' who ' || b.what
         ELSE 'the number ' || b.what
       END
FROM __g_customers c
JOIN comp ON comp.idx = c.idx
JOIN __g_customers h ON h.idx = comp.root
LEFT JOIN sharing s ON s.phone_hash = c.phone_hash
LEFT JOIN linked l ON l.cidx = c.idx
LEFT JOIN __g_blocked b ON b.phone_hash = c.phone_hash
ORDER BY c.idx`;

const WORK_TABLES = ['__g_roots', '__g_blocked', '__g_keys', '__g_links', '__g_customers'];

/**
 * Builds the customer graph as of `asOf`, stores one row per customer in customer_graph and
 * the blocked numbers in blocked_numbers under a new graph_run_id, atomically.
 */
export async function buildGraph(wh: Warehouse, options: BuildGraphOptions = {}): Promise<GraphResult> {
  const asOf = options.asOf ?? new Date();
  const engine = options.engine ?? 'union-find';
  const report = options.onProgress ?? (() => undefined);
  const started = performance.now();
  let mark = started;
  const lap = () => {
    const now = performance.now();
    const s = (now - mark) / 1000;
    mark = now;
    return s;
  };
  return withFeatureLock(wh, async () => {
    try {
      return await wh.transaction(async (tx) => {
        report({ step: 1, steps: STEPS, label: 'customers, numbers and household keys' });
        await tx.run(CUSTOMERS_SQL, { as_of: asOf });
        await tx.run(LINKS_SQL, { as_of: asOf });
        await tx.run(KEYS_SQL);
        const counts = await tx.one<{ customers: number; numbers: number; household_keys: number; edges: number }>(
          `SELECT (SELECT count(*) FROM __g_customers) AS customers,
                  (SELECT count(*) FROM __g_keys WHERE kind = 'phone') AS numbers,
                  (SELECT count(*) FROM __g_keys WHERE kind <> 'phone') AS household_keys,
                  (SELECT count(*) FROM __g_links) AS edges`,
        );
        const prepare = lap();

        report({ step: 2, steps: STEPS, label: 'read edges', rows: counts.edges });
        const cols = await tx.columns(EDGES_SQL);
        const from = Int32Array.from(cols.cidx as number[]);
        const to = Int32Array.from(cols.kidx as number[]);
        const read = lap();

        report({ step: 3, steps: STEPS, label: `connected components (${engine})`, rows: counts.edges });
        const nodeCount = counts.customers + counts.numbers + counts.household_keys;
        const roots =
          engine === 'graphology'
            ? componentRootsGraphology(nodeCount, from, to, counts.customers)
            : componentRoots(nodeCount, from, to, counts.customers);
        const components = lap();

        report({ step: 4, steps: STEPS, label: 'write component roots', rows: counts.customers });
        await tx.run('CREATE OR REPLACE TEMP TABLE __g_roots (idx INTEGER, root INTEGER)');
        const idx = new Int32Array(roots.length);
        for (let i = 0; i < idx.length; i++) idx[i] = i;
        await bulkAppend(
          tx,
          '__g_roots',
          [
            { name: 'idx', kind: 'integer', values: idx },
            { name: 'root', kind: 'integer', values: roots },
          ],
          'main',
          'temp',
        );

        report({ step: 5, steps: STEPS, label: 'do-not-call propagation' });
        const { run } = await tx.one<{ run: number }>(`SELECT nextval('graph_run_id_seq') AS run`);
        await tx.run(BLOCKED_SQL, { as_of: asOf });
        await tx.run(WRITE_BLOCKED_SQL, { run });

        report({ step: 6, steps: STEPS, label: 'write customer_graph', rows: counts.customers });
        await tx.run(WRITE_CUSTOMERS_SQL, { run });
        // households and their sizes straight from the roots: a customer is its component's
        // root exactly when it is the smallest index in it
        const sizes = new Int32Array(roots.length);
        for (let i = 0; i < roots.length; i++) sizes[roots[i]!]! += 1;
        let households = 0;
        let largest = 0;
        for (let i = 0; i < roots.length; i++) {
          if (roots[i] === i) households++;
          if (sizes[i]! > largest) largest = sizes[i]!;
        }
        const summary = await tx.one<{ shared: number; blocked_numbers: number; blocked_customers: number }>(
          `SELECT (SELECT count(*) FROM (SELECT key FROM __g_links WHERE kind = 'phone' GROUP BY key HAVING count(*) > 1)) AS shared,
                  (SELECT count(*) FROM blocked_numbers WHERE graph_run_id = $run) AS blocked_numbers,
                  (SELECT count(*) FROM customer_graph WHERE graph_run_id = $run AND blocked) AS blocked_customers`,
          { run },
        );
        const write = lap();
        const seconds = (performance.now() - started) / 1000;
        await tx.run(
          `INSERT INTO graph_runs (graph_run_id, as_of, engine, customers, numbers, household_keys, edges, households,
             largest_household, shared_numbers, blocked_numbers, blocked_customers, build_seconds)
           VALUES ($run, $as_of, $engine, $customers, $numbers, $keys, $edges, $households, $largest, $shared, $blocked_numbers,
             $blocked_customers, $seconds)`,
          {
            run,
            as_of: asOf,
            engine,
            customers: counts.customers,
            numbers: counts.numbers,
            keys: counts.household_keys,
            edges: counts.edges,
            households,
            largest,
            shared: summary.shared,
            blocked_numbers: summary.blocked_numbers,
            blocked_customers: summary.blocked_customers,
            seconds,
          },
        );
        for (const t of WORK_TABLES) await tx.run(`DROP TABLE IF EXISTS ${t}`);
        return {
          graphRunId: run,
          asOf,
          engine,
          customers: counts.customers,
          numbers: counts.numbers,
          householdKeys: counts.household_keys,
          edges: counts.edges,
          households,
          largestHousehold: largest,
          sharedNumbers: summary.shared,
          blockedNumbers: summary.blocked_numbers,
          blockedCustomers: summary.blocked_customers,
          seconds,
          timings: { prepare, read, components, write },
        };
      });
    } catch (error) {
      for (const t of WORK_TABLES) await wh.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
      if (error instanceof Error && 'code' in error) throw error;
      throw new FeatureBuildError(`graph build as of ${asOf.toISOString()} failed: ${(error as Error).message}`, { cause: error });
    }
  });
}

/**
 * Union-find over dense node ids (customers 0…customers-1 first): returns, for each customer,
 * the smallest node id in its component — a customer index, since customers come first.
 */
export function componentRoots(nodeCount: number, from: Int32Array, to: Int32Array, customers: number): Int32Array {
  const parent = new Int32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const grand = parent[parent[x]!]!;
      parent[x] = grand; // path halving
      x = grand;
    }
    return x;
  };
  for (let e = 0; e < from.length; e++) {
    const a = find(from[e]!);
    const b = find(to[e]!);
    if (a === b) continue;
    // the smaller id becomes the root, so a component's root is its smallest id
    if (a < b) parent[b] = a;
    else parent[a] = b;
  }
  const roots = new Int32Array(customers);
  for (let i = 0; i < customers; i++) roots[i] = find(i);
  return roots;
}

/** The same as componentRoots with graphology's connectedComponents (slow past ~100k nodes). */
export function componentRootsGraphology(nodeCount: number, from: Int32Array, to: Int32Array, customers: number): Int32Array {
  const graph = new UndirectedGraph({ multi: false, allowSelfLoops: false });
  for (let i = 0; i < nodeCount; i++) graph.addNode(String(i));
  for (let e = 0; e < from.length; e++) graph.mergeEdge(String(from[e]), String(to[e]));
  const roots = new Int32Array(customers);
  for (const component of connectedComponents(graph)) {
    let min = Number.POSITIVE_INFINITY;
    for (const node of component) min = Math.min(min, Number(node));
    for (const node of component) {
      const id = Number(node);
      if (id < customers) roots[id] = min;
    }
  }
  return roots;
}

export interface GraphRunInfo {
  graphRunId: number;
  asOf: Date;
  createdAt: Date;
  engine: string;
  customers: number;
  households: number;
  blockedNumbers: number;
  blockedCustomers: number;
}

export async function latestGraphRun(wh: Warehouse): Promise<GraphRunInfo | null> {
  const rows = await wh.query<Record<string, unknown>>(
    `SELECT * FROM graph_runs ORDER BY as_of DESC, graph_run_id DESC LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return null;
  return {
    graphRunId: Number(r.graph_run_id),
    asOf: r.as_of as Date,
    createdAt: r.created_at as Date,
    engine: String(r.engine),
    customers: Number(r.customers),
    households: Number(r.households),
    blockedNumbers: Number(r.blocked_numbers),
    blockedCustomers: Number(r.blocked_customers),
  };
}

/**
 * One customer's household as a graphology graph, from a stored graph run (default: the
 * latest): nodes `customer:<id>`, `phone:<hash>`, `household:<key>`, `address:<key>` with
 * attributes (kind, blocked, reason); edges customer—key. For notebooks and dashboards.
 */
export async function householdGraph(
  wh: Warehouse,
  customerId: string,
  options: { graphRunId?: number } = {},
): Promise<UndirectedGraph> {
  const runInfo = options.graphRunId ?? (await latestGraphRun(wh))?.graphRunId;
  if (runInfo === undefined) throw new FeatureBuildError('no graph run yet; run buildGraph first');
  const run = await wh.one<{ as_of: Date }>(`SELECT as_of FROM graph_runs WHERE graph_run_id = $run`, { run: runInfo });
  const members = await wh.query<{ customer_id: string; blocked: boolean; blocked_reason: string | null; household_size: number }>(
    `SELECT customer_id, blocked, blocked_reason, household_size FROM customer_graph
     WHERE graph_run_id = $run AND household_id = (
       SELECT household_id FROM customer_graph WHERE graph_run_id = $run AND customer_id = $id)
     ORDER BY customer_id`,
    { run: runInfo, id: customerId },
  );
  const graph = new UndirectedGraph({ multi: false, allowSelfLoops: false });
  if (members.length === 0) return graph;
  for (const m of members) {
    graph.addNode(`customer:${m.customer_id}`, { kind: 'customer', blocked: m.blocked, reason: m.blocked_reason });
  }
  const links = await wh.query<{ customer_id: string; kind: string; key: string }>(
    `WITH m AS (
       SELECT c.customer_id, c.phone_hash,
              nullif(trim(json_extract_string(c.attributes, '$.household_id')), '') AS household_id,
              nullif(lower(regexp_replace(trim(json_extract_string(c.attributes, '$.address')), '\\s+', ' ', 'g')), '') AS address
       FROM customers c JOIN customer_graph g ON g.customer_id = c.customer_id
       WHERE g.graph_run_id = $run AND g.household_id = (
         SELECT household_id FROM customer_graph WHERE graph_run_id = $run AND customer_id = $id))
     SELECT customer_id, 'phone' AS kind, phone_hash AS key FROM m WHERE phone_hash IS NOT NULL
     UNION
     SELECT a.customer_id, 'phone', a.phone_hash FROM call_attempts a JOIN m USING (customer_id)
     WHERE a.started_at < $as_of AND a.phone_hash IS NOT NULL
     UNION
     SELECT customer_id, 'household', household_id FROM m WHERE household_id IS NOT NULL
     UNION
     SELECT customer_id, 'address', address FROM m WHERE address IS NOT NULL
     ORDER BY 1, 2, 3`,
    { run: runInfo, id: customerId, as_of: run.as_of },
  );
  const blocked = new Map(
    (
      await wh.query<{ phone_hash: string; reason: string }>(
        `SELECT phone_hash, reason FROM blocked_numbers WHERE graph_run_id = $run`,
        { run: runInfo },
      )
    ).map((b) => [b.phone_hash, b.reason]),
  );
  for (const l of links) {
    const node = `${l.kind}:${l.key}`;
    if (!graph.hasNode(node)) {
      const reason = l.kind === 'phone' ? (blocked.get(l.key) ?? null) : null;
      graph.addNode(node, { kind: l.kind, blocked: reason !== null, reason });
    }
    graph.mergeEdge(`customer:${l.customer_id}`, node);
  }
  return graph;
}
