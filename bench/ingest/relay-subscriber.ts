/**
 * The bare-relay subscriber, run as its own process (as the service is): one
 * QoS 1 subscription with a persistent session, no processing. mqtt.js's default
 * handleMessage sends the PUBACK as soon as the 'message' listener returns; the
 * listener only notes which (meter, seq) arrived, so loss and duplicates can be
 * counted exactly. Talks to bench/ingest/run.ts over the fork IPC channel.
 */
import mqtt from 'mqtt';

export interface RelaySubscriberConfig {
  readonly url: string;
  readonly clientId: string;
  readonly meters: number;
  /** Seqs 0…totalSeqs-1 per meter are expected over the whole run. */
  readonly totalSeqs: number;
  readonly probeMeters: readonly number[];
}

export type ToSubscriber =
  | { readonly type: 'watch'; readonly fromSeq: number; readonly toSeq: number }
  | { readonly type: 'report'; readonly fromSeq: number; readonly toSeq: number }
  | { readonly type: 'exit' };

export type FromSubscriber =
  | { readonly type: 'ready' }
  | {
      readonly type: 'complete';
      readonly firstMs: number;
      readonly atMs: number;
      readonly t10Ms: number;
      readonly t90Ms: number;
    }
  | {
      readonly type: 'report';
      readonly expected: number;
      readonly lost: number;
      readonly duplicates: number;
      readonly unexpected: number;
      /** Receive time per probe meter and seq (probe-major), NaN where not received. */
      readonly probeReceivedAtMs: number[];
    };

const config = JSON.parse(process.argv[2] ?? '{}') as RelaySubscriberConfig;
const send = (message: FromSubscriber) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

const counts = new Uint8Array(config.meters * config.totalSeqs);
const probeIndex = new Map(config.probeMeters.map((m, i) => [m, i]));
const probeReceivedAtMs = new Float64Array(config.probeMeters.length * config.totalSeqs).fill(Number.NaN);
let unexpected = 0;

let watch:
  | { fromSeq: number; toSeq: number; target: number; distinct: number; firstMs: number; t10Ms: number; t90Ms: number }
  | undefined;

const client = mqtt.connect(config.url, {
  clientId: config.clientId,
  clean: false,
  protocolVersion: 4,
  reconnectPeriod: 200,
});
client.on('message', (topic, payload) => {
  const at = now();
  const meter = Number(topic.slice(8, topic.indexOf('/', 8)));
  const seq = (JSON.parse(payload.toString()) as { seq?: unknown }).seq;
  if (
    !Number.isInteger(meter) ||
    typeof seq !== 'number' ||
    !Number.isInteger(seq) ||
    meter >= config.meters ||
    seq < 0 ||
    seq >= config.totalSeqs
  ) {
    unexpected++;
    return;
  }
  const index = seq * config.meters + meter;
  const seen = counts[index] ?? 0;
  if (seen < 255) counts[index] = seen + 1;
  const probe = probeIndex.get(meter);
  if (probe !== undefined && seen === 0) probeReceivedAtMs[probe * config.totalSeqs + seq] = at;
  if (watch && seen === 0 && seq >= watch.fromSeq && seq < watch.toSeq) {
    if (watch.distinct === 0) watch.firstMs = at;
    watch.distinct++;
    if (watch.distinct === Math.ceil(watch.target * 0.1)) watch.t10Ms = at;
    if (watch.distinct === Math.ceil(watch.target * 0.9)) watch.t90Ms = at;
    if (watch.distinct === watch.target) {
      send({ type: 'complete', firstMs: watch.firstMs, atMs: at, t10Ms: watch.t10Ms, t90Ms: watch.t90Ms });
      watch = undefined;
    }
  }
});
client.on('connect', () => {
  client.subscribe('meters/+/readings', { qos: 1 }, (error) => {
    if (error) throw error;
    send({ type: 'ready' });
  });
});
client.on('error', (error) => console.error('relay subscriber:', error.message));

process.on('message', (message: ToSubscriber) => {
  if (message.type === 'watch') {
    watch = {
      ...message,
      target: (message.toSeq - message.fromSeq) * config.meters,
      distinct: 0,
      firstMs: Number.NaN,
      t10Ms: Number.NaN,
      t90Ms: Number.NaN,
    };
  } else if (message.type === 'report') {
    let lost = 0;
    let duplicates = 0;
    for (let i = message.fromSeq * config.meters; i < message.toSeq * config.meters; i++) {
      const seen = counts[i] ?? 0;
      if (seen === 0) lost++;
      else duplicates += seen - 1;
    }
    send({
      type: 'report',
      expected: (message.toSeq - message.fromSeq) * config.meters,
      lost,
      duplicates,
      unexpected,
      probeReceivedAtMs: Array.from(probeReceivedAtMs),
    });
  } else {
    client.end(false, {}, () => process.exit(0));
  }
});
