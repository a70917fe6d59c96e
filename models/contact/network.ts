/**
 * The best-time-to-call network (TensorFlow.js on the WASM backend):
 *
 *   logit(x, h) = u(x) · v(h) + b(x) + c(h) + a(h) · own(x, block(h)) + g(h) · prior(s(x), h)
 *
 * u, b: a customer tower (dense 32 ReLU → 8 factors and a bias) over the customer features;
 * v, c, a: an hour tower (dense 16 ReLU → 8 factors, a bias, a weight) over the cyclic
 * hour-of-week encoding; own: the log-odds of the customer's own smoothed answer rate in the
 * hour's 4-hour block (features' hour_of_week family), so a customer's own habits reach the
 * hour they belong to; prior: the log-odds of the baseline's smoothed answer rate of the
 * customer's segment at that hour (cross-fitted on the training rows, so no row sees its own
 * label), which gives the network the full 168-hour shape per segment to correct rather than
 * to rediscover. The low-rank form is what makes scoring cheap: the customer tower runs
 * once per customer, the hour tower once per hour, and the 168 probabilities are a dot
 * product away (168 × 8 multiply-adds per customer).
 *
 * Training minimises inverse-propensity- and class-weighted cross-entropy with Adam, and stops
 * early on the log loss of the out-of-time validation window, keeping the best
 * epoch's weights. Class weights are "balanced" (each class carries half the weight); the
 * shift this gives the log-odds, log((1 − π) / π), is taken back out before calibration.
 */
import { tf } from '../tf-backend.ts';
import { TrainingError } from '../common/index.ts';
import { logLoss, sigmoid } from '../metrics/index.ts';
import { HOUR_ENCODING_WIDTH, HOUR_TABLE, HOURS_PER_BLOCK, HOURS_PER_WEEK } from './hours.ts';

export const NETWORK_DEFAULTS = {
  factors: 8,
  customerHidden: 32,
  hourHidden: 16,
  learningRate: 0.003,
  batchSize: 512,
  maxEpochs: 40,
  patience: 4,
  l2: 0.003,
} as const;

export interface NetworkOptions {
  factors?: number;
  customerHidden?: number;
  hourHidden?: number;
  learningRate?: number;
  batchSize?: number;
  maxEpochs?: number;
  patience?: number;
  l2?: number;
  seed?: number;
}

export const LAYER = {
  customer: 'customer',
  hour: 'hour',
  own: 'own',
  customerFactors: 'c_factors',
  customerBias: 'c_bias',
  hourFactors: 'h_factors',
  hourBias: 'h_bias',
  hourOwnWeight: 'h_own_weight',
  prior: 'prior',
  hourPriorWeight: 'h_prior_weight',
  logit: 'logit',
} as const;

export function buildNetwork(inputWidth: number, options: NetworkOptions = {}): tf.LayersModel {
  const o = { ...NETWORK_DEFAULTS, ...options };
  const seed = options.seed ?? 42;
  let s = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 97 + s++ });
  const reg = o.l2 > 0 ? tf.regularizers.l2({ l2: o.l2 }) : undefined;
  const dense = (units: number, name: string, activation?: 'relu', useBias = true) =>
    tf.layers.dense({ units, name, kernelInitializer: init(), useBias, ...(activation ? { activation } : {}), ...(reg ? { kernelRegularizer: reg } : {}) });
  const xIn = tf.input({ shape: [inputWidth], name: LAYER.customer });
  const hIn = tf.input({ shape: [HOUR_ENCODING_WIDTH], name: LAYER.hour });
  const oIn = tf.input({ shape: [1], name: LAYER.own });
  const pIn = tf.input({ shape: [1], name: LAYER.prior });
  const hx = dense(o.customerHidden, 'c_hidden', 'relu').apply(xIn) as tf.SymbolicTensor;
  const u = dense(o.factors, LAYER.customerFactors).apply(hx) as tf.SymbolicTensor;
  const bx = dense(1, LAYER.customerBias).apply(hx) as tf.SymbolicTensor;
  const hh = dense(o.hourHidden, 'h_hidden', 'relu').apply(hIn) as tf.SymbolicTensor;
  const v = dense(o.factors, LAYER.hourFactors, undefined, false).apply(hh) as tf.SymbolicTensor;
  const bh = dense(1, LAYER.hourBias).apply(hh) as tf.SymbolicTensor;
  const a = dense(1, LAYER.hourOwnWeight).apply(hh) as tf.SymbolicTensor;
  const g = dense(1, LAYER.hourPriorWeight).apply(hh) as tf.SymbolicTensor;
  const uv = tf.layers.dot({ axes: 1, name: 'interaction' }).apply([u, v]) as tf.SymbolicTensor;
  const ao = tf.layers.multiply({ name: 'own_term' }).apply([a, oIn]) as tf.SymbolicTensor;
  const gp = tf.layers.multiply({ name: 'prior_term' }).apply([g, pIn]) as tf.SymbolicTensor;
  const z = tf.layers.add({ name: LAYER.logit }).apply([uv, bx, bh, ao, gp]) as tf.SymbolicTensor;
  return tf.model({ inputs: [xIn, hIn, oIn, pIn], outputs: z, name: 'contact' });
}

/** Rows for the network: customer inputs, hour-of-week, own block log-odds (rows × 42), segment prior log-odds. */
export interface NetRows {
  x: Float32Array;
  width: number;
  how: ArrayLike<number>;
  blocks: Float32Array;
  /** Log-odds of the segment × hour baseline for each row's segment and hour. */
  prior: Float32Array;
  rows: number;
}

/** The three input tensors for positions [from, to) of `idx` (row indices into `r`; null = rows themselves). */
function batchTensors(r: NetRows, idx: ArrayLike<number> | null, from: number, to: number): tf.Tensor[] {
  const n = to - from;
  const x = new Float32Array(n * r.width);
  const h = new Float32Array(n * HOUR_ENCODING_WIDTH);
  const own = new Float32Array(n);
  const prior = new Float32Array(n);
  const blocks = r.blocks.length / Math.max(1, r.rows);
  for (let k = 0; k < n; k++) {
    const i = idx ? (idx[from + k] as number) : from + k;
    x.set(r.x.subarray(i * r.width, (i + 1) * r.width), k * r.width);
    const how = r.how[i] as number;
    h.set(HOUR_TABLE.subarray(how * HOUR_ENCODING_WIDTH, (how + 1) * HOUR_ENCODING_WIDTH), k * HOUR_ENCODING_WIDTH);
    own[k] = r.blocks[i * blocks + Math.floor(how / HOURS_PER_BLOCK)] as number;
    prior[k] = r.prior[i] as number;
  }
  return [tf.tensor2d(x, [n, r.width]), tf.tensor2d(h, [n, HOUR_ENCODING_WIDTH]), tf.tensor2d(own, [n, 1]), tf.tensor2d(prior, [n, 1])];
}

/** Raw logits for every row of `r`, in batches. */
export function predictLogits(model: tf.LayersModel, r: NetRows, batch = 8192): Float32Array {
  const out = new Float32Array(r.rows);
  for (let start = 0; start < r.rows; start += batch) {
    const end = Math.min(r.rows, start + batch);
    const inputs = batchTensors(r, null, start, end);
    // one call per batch: tfjs's default predict batch of 32 rows costs ~25 ms of overhead per 32 rows
    const z = model.predict(inputs, { batchSize: end - start }) as tf.Tensor;
    out.set(z.dataSync() as Float32Array, start);
    z.dispose();
    for (const t of inputs) t.dispose();
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FitNetworkResult {
  model: tf.LayersModel;
  /** log((1 − π) / π): subtract from the logit to undo the balanced class weights. */
  classShift: number;
  bestEpoch: number;
  epochs: number;
  validLogLoss: number[];
  trainLoss: number[];
}

/**
 * Trains the network. `weights` are per-row sample weights (IPW, mean 1) for the training
 * rows; class balancing is applied on top. Early stopping watches the log loss on `valid`.
 */
export function fitNetwork(
  train: NetRows,
  yTrain: Float32Array,
  weights: Float32Array | null,
  valid: NetRows,
  yValid: Float32Array,
  options: NetworkOptions & {
    /** Weights of the validation rows in the early-stopping log loss (IPW). */
    validWeights?: Float32Array;
    onEpoch?: (epoch: number, trainLoss: number, validLogLoss: number) => void;
  } = {},
): FitNetworkResult {
  const o = { ...NETWORK_DEFAULTS, ...options };
  let pos = 0;
  let total = 0;
  for (let i = 0; i < train.rows; i++) {
    const w = weights ? (weights[i] as number) : 1;
    total += w;
    pos += (yTrain[i] as number) * w;
  }
  const rate = pos / total;
  if (!(rate > 0 && rate < 1)) throw new TrainingError('the contact training window needs both answered and unanswered attempts');
  const wPos = 0.5 / rate;
  const wNeg = 0.5 / (1 - rate);
  const classShift = Math.log(wPos / wNeg);
  const sampleWeight = new Float32Array(train.rows);
  for (let i = 0; i < train.rows; i++) sampleWeight[i] = (weights ? (weights[i] as number) : 1) * ((yTrain[i] as number) > 0.5 ? wPos : wNeg);

  const model = buildNetwork(train.width, options);
  const optimizer = tf.train.adam(o.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rand = mulberry32((options.seed ?? 42) + 7);
  const order = new Uint32Array(train.rows);
  for (let i = 0; i < order.length; i++) order[i] = i;

  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = -1;
  let bestWeights: tf.Tensor[] | null = null;
  let sinceBest = 0;
  const validLogLoss: number[] = [];
  const trainLoss: number[] = [];
  const regularisation = (): tf.Scalar => {
    const losses = model.calculateLosses();
    return losses.length ? (tf.addN(losses) as tf.Scalar) : tf.scalar(0);
  };
  try {
    for (let epoch = 0; epoch < o.maxEpochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = order[i] as number;
        order[i] = order[j] as number;
        order[j] = t;
      }
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += o.batchSize) {
        const end = Math.min(order.length, start + o.batchSize);
        const inputs = batchTensors(train, order, start, end);
        const y = tf.tensor2d(Float32Array.from({ length: end - start }, (_, k) => yTrain[order[start + k] as number] as number), [end - start, 1]);
        const w = tf.tensor2d(Float32Array.from({ length: end - start }, (_, k) => sampleWeight[order[start + k] as number] as number), [end - start, 1]);
        const cost = optimizer.minimize(
          () => {
            const z = model.apply(inputs, { training: true }) as tf.Tensor;
            const l = tf.losses.sigmoidCrossEntropy(y, z, undefined, 0, tf.Reduction.NONE);
            return tf.add(tf.div(tf.sum(tf.mul(l, w)), tf.sum(w)), regularisation()) as tf.Scalar;
          },
          true,
          vars,
        );
        if (cost) {
          lossSum += cost.dataSync()[0] as number;
          cost.dispose();
        }
        batches++;
        y.dispose();
        w.dispose();
        for (const t of inputs) t.dispose();
      }
      trainLoss.push(lossSum / Math.max(1, batches));
      const z = predictLogits(model, valid);
      const p = Float32Array.from(z, (v) => sigmoid(v - classShift));
      const ll = logLoss(yValid, p, options.validWeights);
      validLogLoss.push(ll);
      options.onEpoch?.(epoch, trainLoss.at(-1) as number, ll);
      if (ll < best - 1e-6) {
        best = ll;
        bestEpoch = epoch;
        sinceBest = 0;
        for (const t of bestWeights ?? []) t.dispose();
        bestWeights = model.getWeights().map((t) => t.clone());
      } else if (++sinceBest >= o.patience) break;
    }
    if (bestWeights) model.setWeights(bestWeights);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    for (const t of bestWeights ?? []) t.dispose();
    optimizer.dispose();
  }
  return { model, classShift, bestEpoch, epochs: validLogLoss.length, validLogLoss, trainLoss };
}

/** The model's towers evaluated separately, for factorised scoring. */
export interface Towers {
  factors: number;
  /** 168 × factors */
  hourFactors: Float32Array;
  /** 168 */
  hourBias: Float32Array;
  /** 168 */
  hourOwnWeight: Float32Array;
  /** 168 */
  hourPriorWeight: Float32Array;
  /** Customer tower for rows of customer inputs: factors (n × f) and bias (n). */
  customer(x: Float32Array, rows: number): { factors: Float32Array; bias: Float32Array };
  dispose(): void;
}

export function towers(model: tf.LayersModel): Towers {
  const customerModel = tf.model({
    inputs: model.getLayer(LAYER.customer).input as tf.SymbolicTensor,
    outputs: [model.getLayer(LAYER.customerFactors).output as tf.SymbolicTensor, model.getLayer(LAYER.customerBias).output as tf.SymbolicTensor],
  });
  const hourModel = tf.model({
    inputs: model.getLayer(LAYER.hour).input as tf.SymbolicTensor,
    outputs: [
      model.getLayer(LAYER.hourFactors).output as tf.SymbolicTensor,
      model.getLayer(LAYER.hourBias).output as tf.SymbolicTensor,
      model.getLayer(LAYER.hourOwnWeight).output as tf.SymbolicTensor,
      model.getLayer(LAYER.hourPriorWeight).output as tf.SymbolicTensor,
    ],
  });
  const hourIn = tf.tensor2d(HOUR_TABLE, [HOURS_PER_WEEK, HOUR_ENCODING_WIDTH]);
  const [hv, hb, ha, hg] = hourModel.predict(hourIn, { batchSize: HOURS_PER_WEEK }) as tf.Tensor[];
  const hourFactors = hv!.dataSync() as Float32Array;
  const hourBias = hb!.dataSync() as Float32Array;
  const hourOwnWeight = ha!.dataSync() as Float32Array;
  const hourPriorWeight = hg!.dataSync() as Float32Array;
  const factors = hourFactors.length / HOURS_PER_WEEK;
  for (const t of [hourIn, hv!, hb!, ha!, hg!]) t.dispose();
  const width = (model.getLayer(LAYER.customer).input as tf.SymbolicTensor).shape[1] as number;
  return {
    factors,
    hourFactors: Float32Array.from(hourFactors),
    hourBias: Float32Array.from(hourBias),
    hourOwnWeight: Float32Array.from(hourOwnWeight),
    hourPriorWeight: Float32Array.from(hourPriorWeight),
    customer(x: Float32Array, rows: number) {
      const input = tf.tensor2d(x, [rows, width]);
      const [f, b] = customerModel.predict(input, { batchSize: rows }) as tf.Tensor[];
      const out = { factors: Float32Array.from(f!.dataSync() as Float32Array), bias: Float32Array.from(b!.dataSync() as Float32Array) };
      input.dispose();
      f!.dispose();
      b!.dispose();
      return out;
    },
    dispose() {
      // the sub-models share the parent's layers and weights: nothing of their own to free
    },
  };
}

/** Saves a model to the tfjs layers format in memory: model.json text and the weights bytes. */
export async function serialiseModel(model: tf.LayersModel): Promise<{ json: string; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured?.weightData || !captured.weightSpecs) throw new TrainingError('tfjs returned no weights when saving the contact model');
  const data = captured.weightData;
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  const json = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: captured.weightSpecs }],
  });
  return { json, weights: new Uint8Array(buffer) };
}

/** Loads a model saved by serialiseModel. */
export async function deserialiseModel(json: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = JSON.parse(json) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightSpecs = parsed.weightsManifest.flatMap((g) => g.weights);
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData: buffer }));
}
