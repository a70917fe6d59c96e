/**
 * Fast reasons for large scoring runs. Saabas path attributions (XGBoost's "approximate"
 * contributions) depend on a row only through the leaf it reaches in each tree: walking from
 * the root to that leaf, each split's feature is credited with the change in the node's mean
 * value. So every (tree, leaf) has a fixed short list of (feature, delta) pairs, computed once
 * from the model, and the margin is the sum of the leaf values: one pass gives both the
 * probability and the reasons — the same numbers as `predictContributions({ approximate: true })`
 * at a fraction of its cost (it allocates per row and per tree; 9.8 s per 1M rows on one
 * thread against 2.9 s here).
 *
 * `score` walks the rows through the trees itself, compiled to JavaScript (each split an `if`
 * on a constant, each leaf its value and path additions as constants): XGBoost's leaf
 * prediction alone cost more (DMatrix + leaf indices 4.0 s per 1M rows on one thread, then
 * 3.3 s to add up the paths, against 2.9 s for both here). The walk follows XGBoost's CPU
 * predictor rule for rule (walk() and its test check the leaves against XGBoost's), and adds
 * the same deltas in the same order as `accumulate` does from XGBoost's leaf indices, so the
 * reasons are the same bit for bit.
 */
import { ArtifactError } from '../registry/index.ts';

interface JsonTree {
  left_children: number[];
  right_children: number[];
  parents: number[];
  default_left: number[];
  split_indices: number[];
  split_conditions: (number | null)[];
  /** 1 = categorical split (absent in models without categorical splits). */
  split_type?: number[];
  categories?: number[];
  categories_nodes?: number[];
  categories_segments?: number[];
  categories_sizes?: number[];
  sum_hessian: number[];
}

/**
 * Some consecutive trees compiled to JavaScript: walks the row at x[o …] through each, adds the
 * leaf values to `m` and (when compiled with reasons) the path deltas into `a`; returns `m`.
 */
type TreeGroup = (x: Float32Array, o: number, a: Float64Array, m: number) => number;

export class TreePaths {
  readonly trees: number;
  readonly columns: number;
  /** Margin before any tree (logit of base_score). */
  readonly baseMargin: number;
  /** Global node index of node 0 of each tree. */
  readonly #nodeBase: Int32Array;
  readonly #leafValue: Float64Array;
  readonly #pathStart: Int32Array;
  readonly #pathLength: Uint8Array;
  readonly #pathFeature: Int32Array;
  readonly #pathDelta: Float64Array;
  /** Σ over trees of the root's mean value (+ base margin): the SHAP "bias" column. */
  readonly bias: number;
  // The trees themselves, for walking rows in JS (global node indices; see walk()).
  /** Left child of each node, -1 for a leaf. */
  readonly #left: Int32Array;
  readonly #right: Int32Array;
  /** Child taken when the split feature is missing. */
  readonly #missing: Int32Array;
  readonly #feature: Int32Array;
  /** Numeric split: go left when value < condition (float32, as XGBoost compares). */
  readonly #condition: Float32Array;
  /** Categorical split: offset of its category bit set in #catBits, or -1 for a numeric split. */
  readonly #catStart: Int32Array;
  /** Words (32 bits) of each categorical split's bit set. */
  readonly #catWords: Int32Array;
  readonly #catBits: Uint32Array;

  /** From the XGBoost JSON model (as saveModelToString returns it), using trees [0, iterationEnd). */
  constructor(modelJson: string, iterationEnd: number, columns: number) {
    // XGBoost writes NaN (not JSON) as the split condition of categorical splits
    const parsed = JSON.parse(modelJson.replace(/([[,])NaN(?=[,\]])/g, '$1null')) as {
      learner: {
        learner_model_param: { base_score: string };
        objective: { name: string };
        gradient_booster: { name: string; model: { trees: JsonTree[]; gbtree_model_param: { num_parallel_tree: string } } };
      };
    };
    const learner = parsed.learner;
    if (learner.gradient_booster.name !== 'gbtree' || learner.gradient_booster.model.gbtree_model_param.num_parallel_tree !== '1') {
      throw new ArtifactError('fast reasons need a plain gbtree model (one tree per round)');
    }
    if (learner.objective.name !== 'binary:logistic') throw new ArtifactError(`fast reasons need binary:logistic, not ${learner.objective.name}`);
    const baseScore = Number(learner.learner_model_param.base_score);
    this.baseMargin = Math.log(baseScore / (1 - baseScore));
    const trees = learner.gradient_booster.model.trees.slice(0, iterationEnd);
    this.trees = trees.length;
    this.columns = columns;
    const totalNodes = trees.reduce((s, t) => s + t.left_children.length, 0);
    this.#nodeBase = new Int32Array(trees.length);
    this.#leafValue = new Float64Array(totalNodes);
    this.#pathStart = new Int32Array(totalNodes).fill(-1);
    this.#pathLength = new Uint8Array(totalNodes);
    this.#left = new Int32Array(totalNodes);
    this.#right = new Int32Array(totalNodes);
    this.#missing = new Int32Array(totalNodes);
    this.#feature = new Int32Array(totalNodes);
    this.#condition = new Float32Array(totalNodes);
    this.#catStart = new Int32Array(totalNodes).fill(-1);
    this.#catWords = new Int32Array(totalNodes);
    const catBits: number[] = [];
    const feats: number[] = [];
    const deltas: number[] = [];
    let base = 0;
    let bias = this.baseMargin;
    trees.forEach((tree, t) => {
      this.#nodeBase[t] = base;
      const n = tree.left_children.length;
      this.#readSplits(tree, base, columns, catBits);
      // mean value of every node: leaves their value, inner nodes the hessian-weighted mean of their children
      const mean = new Float64Array(n);
      for (let nid = n - 1; nid >= 0; nid--) {
        const l = tree.left_children[nid] as number;
        if (l === -1) mean[nid] = tree.split_conditions[nid] ?? 0;
        else {
          const r = tree.right_children[nid] as number;
          mean[nid] =
            ((mean[l] as number) * (tree.sum_hessian[l] as number) + (mean[r] as number) * (tree.sum_hessian[r] as number)) /
            (tree.sum_hessian[nid] as number);
        }
      }
      bias += mean[0] as number;
      for (let nid = 0; nid < n; nid++) {
        if (tree.left_children[nid] !== -1) continue;
        this.#leafValue[base + nid] = tree.split_conditions[nid] ?? 0;
        this.#pathStart[base + nid] = feats.length;
        let child = nid;
        let length = 0;
        while (child !== 0) {
          const parent = tree.parents[child] as number;
          feats.push(tree.split_indices[parent] as number);
          deltas.push((mean[child] as number) - (mean[parent] as number));
          child = parent;
          length++;
        }
        this.#pathLength[base + nid] = length;
      }
      base += n;
    });
    this.bias = bias;
    this.#pathFeature = Int32Array.from(feats);
    this.#pathDelta = Float64Array.from(deltas);
    this.#catBits = Uint32Array.from(catBits);
  }

  /** One tree's splits into the global node tables (categorical sets as bit sets, as XGBoost holds them). */
  #readSplits(tree: JsonTree, base: number, columns: number, catBits: number[]): void {
    const n = tree.left_children.length;
    for (let nid = 0; nid < n; nid++) {
      const l = tree.left_children[nid] as number;
      const g = base + nid;
      if (l === -1) {
        this.#left[g] = -1;
        continue;
      }
      const r = tree.right_children[nid] as number;
      const f = tree.split_indices[nid] as number;
      if (!(l > 0 && l < n && r > 0 && r < n && f >= 0 && f < columns)) {
        throw new ArtifactError(`tree node ${nid} refers to child ${l}/${r} or feature ${f} outside the model (${n} nodes, ${columns} columns)`);
      }
      this.#left[g] = base + l;
      this.#right[g] = base + r;
      this.#missing[g] = base + (tree.default_left[nid] ? l : r);
      this.#feature[g] = f;
      this.#condition[g] = tree.split_conditions[nid] ?? Number.NaN;
    }
    const nodes = tree.categories_nodes ?? [];
    nodes.forEach((nid, i) => {
      if (tree.split_type?.[nid] !== 1) return;
      const start = tree.categories_segments![i] as number;
      const cats = tree.categories!.slice(start, start + (tree.categories_sizes![i] as number));
      const words = cats.length === 0 ? 0 : (Math.max(...cats) >>> 5) + 1;
      const at = catBits.length;
      for (let w = 0; w < words; w++) catBits.push(0);
      for (const c of cats) catBits[at + (c >>> 5)]! |= 1 << (c & 31);
      this.#catStart[base + nid] = at;
      this.#catWords[base + nid] = words;
    });
    for (let nid = 0; nid < n; nid++) {
      if (tree.split_type?.[nid] === 1 && this.#catStart[base + nid] === -1) {
        throw new ArtifactError(`tree node ${nid} is a categorical split without its categories`);
      }
    }
  }

  /**
   * The leaf each of `rows` encoded rows (row-major, `columns` wide, NaN = missing) reaches in
   * each tree, as XGBoost's CPU predictor decides it: missing → the default child; numeric
   * splits go left when value < condition; categorical splits go right when the category is in
   * the split's set, left otherwise (including negative or unseen categories). Written as
   * rows × trees node ids (per tree, as XGBoost's leaf prediction gives them).
   */
  walk(x: Float32Array, rows: number, out: Float32Array): void {
    const T = this.trees;
    const nodeBase = this.#nodeBase;
    for (let i = 0; i < rows; i++) {
      const xBase = i * this.columns;
      for (let t = 0; t < T; t++) out[i * T + t] = this.#leaf(nodeBase[t] as number, x, xBase) - (nodeBase[t] as number);
    }
  }

  /** Global index of the leaf that the row at x[xBase …] reaches from root `g`. */
  #leaf(root: number, x: Float32Array, xBase: number): number {
    const left = this.#left;
    const right = this.#right;
    const feature = this.#feature;
    const condition = this.#condition;
    const catStart = this.#catStart;
    let g = root;
    for (let l = left[g] as number; l >= 0; l = left[g] as number) {
      const v = x[xBase + (feature[g] as number)] as number;
      if (v !== v) g = this.#missing[g] as number;
      else {
        const cs = catStart[g] as number;
        if (cs < 0) g = v < (condition[g] as number) ? l : (right[g] as number);
        else {
          // XGBoost: category c is in the set when bit c is; negative, too large or unseen → left
          const c = Math.trunc(v);
          const w = c >>> 5;
          const inSet = v >= 0 && v < 16_777_216 && w < (this.#catWords[g] as number) && ((this.#catBits[cs + w] as number) >>> (c & 31)) & 1;
          g = inSet ? (right[g] as number) : l;
        }
      }
    }
    return g;
  }

  /**
   * For `rows` rows of leaf indices (rows × trees, as XGBoost's leaf prediction returns them):
   * writes each row's margin, and its `k` largest |contribution| columns (strongest first) with
   * their contributions. Returns nothing; outputs are filled in place.
   */
  accumulate(
    leaves: Float32Array,
    rows: number,
    k: number,
    outMargin: Float64Array | Float32Array,
    outColumn: Int16Array,
    outValue: Float32Array,
  ): void {
    const T = this.trees;
    if (leaves.length !== rows * T) {
      throw new ArtifactError(`leaf prediction has ${leaves.length} values for ${rows} rows × ${T} trees; predict with the model's iteration range`);
    }
    const acc = new Float64Array(this.columns);
    const bestAbs = new Float64Array(Math.max(1, k));
    const bestVal = new Float64Array(Math.max(1, k));
    const bestCol = new Int32Array(Math.max(1, k));
    const nodeBase = this.#nodeBase;
    const leafValue = this.#leafValue;
    const pathStart = this.#pathStart;
    const pathLength = this.#pathLength;
    const pathFeature = this.#pathFeature;
    const pathDelta = this.#pathDelta;
    const columns = this.columns;
    for (let i = 0; i < rows; i++) {
      let margin = this.baseMargin;
      const lo = i * T;
      for (let t = 0; t < T; t++) {
        // leaf ids arrive as floats; `| 0` keeps the index an integer for fast typed-array access
        const g = ((nodeBase[t] as number) + (leaves[lo + t] as number)) | 0;
        margin += leafValue[g] as number;
        if (k === 0) continue;
        const s = pathStart[g] as number;
        const e = s + (pathLength[g] as number);
        for (let p = s; p < e; p++) acc[pathFeature[p] as number]! += pathDelta[p] as number;
      }
      outMargin[i] = margin;
      if (k === 0) continue;
      takeTopK(acc, columns, k, bestAbs, bestVal, bestCol, outColumn, outValue, i * k);
    }
  }

  /**
   * Walks `rows` encoded rows (row-major, `columns` wide, NaN = missing) through the trees and
   * writes what `accumulate` writes from XGBoost's leaf indices — the same leaves (see walk()),
   * the same additions in the same order, so the same numbers bit for bit — in one pass.
   */
  score(x: Float32Array, rows: number, k: number, outMargin: Float64Array | Float32Array, outColumn: Int16Array, outValue: Float32Array): void {
    if (x.length < rows * this.columns) throw new ArtifactError(`${x.length} values are fewer than ${rows} rows × ${this.columns} columns`);
    const groups = k === 0 ? (this.#marginOnly ??= this.#compile(false)) : (this.#withReasons ??= this.#compile(true));
    const G = groups.length;
    const acc = new Float64Array(this.columns);
    const bestAbs = new Float64Array(Math.max(1, k));
    const bestVal = new Float64Array(Math.max(1, k));
    const bestCol = new Int32Array(Math.max(1, k));
    const columns = this.columns;
    for (let i = 0; i < rows; i++) {
      let margin = this.baseMargin;
      const o = i * columns;
      for (let q = 0; q < G; q++) margin = groups[q]!(x, o, acc, margin);
      outMargin[i] = margin;
      if (k === 0) continue;
      takeTopK(acc, columns, k, bestAbs, bestVal, bestCol, outColumn, outValue, i * k);
    }
  }

  #marginOnly: TreeGroup[] | undefined;
  #withReasons: TreeGroup[] | undefined;

  /**
   * The trees as JavaScript (see TreeGroup): each split an `if` on a constant, each leaf its
   * value and its path's (column, delta) additions as constants, leaf to root as `accumulate`
   * adds them. Only numbers and indices read from the model, checked finite, reach the source.
   */
  #compile(reasons: boolean): TreeGroup[] {
    const lit = (v: number): string => {
      if (!Number.isFinite(v)) throw new ArtifactError(`tree value ${v} is not a finite number`);
      return Object.is(v, -0) ? '-0' : String(v);
    };
    const left = this.#left;
    const emit = (g: number, out: string[]): void => {
      const l = left[g] as number;
      if (l < 0) {
        out.push(`m += ${lit(this.#leafValue[g] as number)};`);
        if (reasons) {
          const s = this.#pathStart[g] as number;
          for (let p = s; p < s + (this.#pathLength[g] as number); p++) {
            const f = this.#pathFeature[p] as number;
            used.add(f);
            out.push(`a${f} += ${lit(this.#pathDelta[p] as number)};`);
          }
        }
        return;
      }
      const r = this.#right[g] as number;
      const missingLeft = this.#missing[g] === l;
      out.push(`v = x[o + ${this.#feature[g] as number}];`);
      const cs = this.#catStart[g] as number;
      let goRight: string;
      if (cs < 0) {
        // NaN fails every comparison: pick the comparison whose false branch is the default child
        const c = lit(this.#condition[g] as number);
        goRight = missingLeft ? `v >= ${c}` : `!(v < ${c})`;
      } else {
        // category c in the split's set → right; anything else (negative, unseen, beyond the set) → left
        const words = this.#catWords[g] as number;
        const word = words === 1 ? lit(this.#catBits[cs] as number) : `K[${cs} + (v >>> 5)]`;
        const inSet = `(v >= 0 && v < ${32 * words} && ((${word} >>> (v & 31)) & 1) === 1)`;
        goRight = missingLeft ? inSet : `(v !== v || ${inSet})`;
      }
      out.push(`if (${goRight}) {`);
      emit(r, out);
      out.push('} else {');
      emit(l, out);
      out.push('}');
    };
    // Trees per function, by source size: V8 leaves big functions unoptimised (120 kB of source
    // stayed interpreted, 9× slower) and takes long to optimise large ones; one function per
    // tree pays a call per tree. Measured on 88 trees (1M rows, one thread): ~50 kB per function
    // was fastest (2.6 s, plus 0.7 s to optimise the code once).
    const MAX_SOURCE = 50_000;
    const groups: TreeGroup[] = [];
    const used = new Set<number>();
    for (let t = 0; t < this.trees; ) {
      const src: string[] = [];
      let chars = 0;
      used.clear();
      while (t < this.trees && chars < MAX_SOURCE) {
        const before = src.length;
        emit(this.#nodeBase[t] as number, src);
        for (let i = before; i < src.length; i++) chars += (src[i] as string).length + 1;
        t++;
      }
      // the reasons of the group's columns live in locals (registers) and meet `a` once per call
      const cols = [...used];
      const body = [
        `let v = 0${cols.map((f) => `, a${f} = a[${f}]`).join('')};`,
        ...src,
        ...cols.map((f) => `a[${f}] = a${f};`),
        'return m;',
      ];
      const make = new Function('K', `return function trees(x, o, a, m) {\n${body.join('\n')}\n};`) as (k: Uint32Array) => TreeGroup;
      groups.push(make(this.#catBits));
    }
    return groups;
  }

  /** Full contributions (rows × (columns + 1), bias last), as XGBoost's approximate contributions. */
  contributions(leaves: Float32Array, rows: number): Float64Array {
    const T = this.trees;
    const stride = this.columns + 1;
    const out = new Float64Array(rows * stride);
    for (let i = 0; i < rows; i++) {
      out[i * stride + this.columns] = this.bias;
      for (let t = 0; t < T; t++) {
        const g = (this.#nodeBase[t] as number) + (leaves[i * T + t] as number);
        const s = this.#pathStart[g] as number;
        const e = s + (this.#pathLength[g] as number);
        for (let p = s; p < e; p++) out[i * stride + (this.#pathFeature[p] as number)]! += this.#pathDelta[p] as number;
      }
    }
    return out;
  }
}

/**
 * Row i's k largest |contributions| (acc, one per column; zeroed as read, for the next row),
 * largest first, into outColumn/outValue from `at`; -1 and 0 where fewer than k are non-zero.
 */
function takeTopK(
  acc: Float64Array,
  columns: number,
  k: number,
  bestAbs: Float64Array,
  bestVal: Float64Array,
  bestCol: Int32Array,
  outColumn: Int16Array,
  outValue: Float32Array,
  at: number,
): void {
  bestAbs.fill(-1);
  bestCol.fill(-1);
  for (let j = 0; j < columns; j++) {
    const v = acc[j] as number;
    if (v === 0) continue;
    acc[j] = 0;
    const a = v < 0 ? -v : v;
    if (a === 0 || a <= (bestAbs[k - 1] as number)) continue;
    let pos = k - 1;
    while (pos > 0 && a > (bestAbs[pos - 1] as number)) {
      bestAbs[pos] = bestAbs[pos - 1] as number;
      bestVal[pos] = bestVal[pos - 1] as number;
      bestCol[pos] = bestCol[pos - 1] as number;
      pos--;
    }
    bestAbs[pos] = a;
    bestVal[pos] = v;
    bestCol[pos] = j;
  }
  for (let r = 0; r < k; r++) {
    outColumn[at + r] = bestCol[r] as number;
    outValue[at + r] = bestCol[r] === -1 ? 0 : (bestVal[r] as number);
  }
}
