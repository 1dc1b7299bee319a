import { decodeJsonItems } from './decode-json.js';
import { decodeSenmlItems } from './decode-senml.js';
import { decodeTasmotaItem } from './decode-tasmota.js';
import type { IngestLimits, MessageOutcome, MeterDirectory, RawItem, Rejection, TopicFilters } from './ingest-types.js';
import { matchTopic } from './topic-match.js';
import { isRejection, validateItem } from './validate-item.js';

export interface MessageContext {
  readonly directory: MeterDirectory;
  readonly topics: TopicFilters;
  readonly limits: IngestLimits;
  readonly nowMs: number;
}

/**
 * Turns one MQTT message into accepted readings and rejections. Every item ends
 * in exactly one of the two lists; a bad item in a gateway batch rejects that
 * item only. A message that cannot be split into items at all (too large, not
 * JSON, wrong envelope) is one rejection carrying the whole payload.
 */
export function processMessage(topic: string, payload: Uint8Array, ctx: MessageContext): MessageOutcome {
  const whole = (
    reason: Rejection['reason'],
    detail: string,
    meterId: string | null = null,
    text?: string,
  ): MessageOutcome => ({
    accepted: [],
    rejected: [{ reason, detail, meterId, payload: text ?? decodeText(payload) }],
  });

  if (payload.byteLength > ctx.limits.maxPayloadBytes) {
    const text = decodeText(payload.subarray(0, ctx.limits.maxPayloadBytes));
    return whole(
      'oversized_payload',
      `payload of ${payload.byteLength} bytes exceeds ${ctx.limits.maxPayloadBytes}; stored truncated`,
      null,
      text,
    );
  }

  const route = routeTopic(topic, ctx);
  if (!route) return whole('unknown_topic', `topic ${topic} matches no configured codec`);

  const text = decodeText(payload);
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    return whole('schema_violation', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, route.addressedTo);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return whole('malformed_json', (error as Error).message, route.addressedTo);
  }

  const items: RawItem[] | string = route.decode(json);
  if (typeof items === 'string') return whole('schema_violation', items, route.addressedTo);
  if (items.length === 0) return whole('schema_violation', 'the message holds no readings', route.addressedTo);

  const outcome: MessageOutcome = { accepted: [], rejected: [] };
  for (const item of items) {
    const result = validateItem(item, ctx.nowMs, ctx.limits);
    if (isRejection(result)) outcome.rejected.push(result);
    else outcome.accepted.push(result);
  }
  return outcome;
}

interface Route {
  readonly addressedTo: string | null;
  decode(json: unknown): RawItem[] | string;
}

function routeTopic(topic: string, ctx: MessageContext): Route | undefined {
  const jsonMatch = matchTopic(ctx.topics.json, topic);
  if (jsonMatch?.[0] !== undefined) {
    const meterId = jsonMatch[0];
    return { addressedTo: meterId, decode: (json) => decodeJsonItems(json, meterId, ctx.directory.byId(meterId)) };
  }
  const tasmotaMatch = matchTopic(ctx.topics.tasmota, topic);
  if (tasmotaMatch?.[0] !== undefined) {
    const device = tasmotaMatch[0];
    const meter = ctx.directory.byTasmotaDevice(device);
    return { addressedTo: meter?.id ?? device, decode: (json) => [decodeTasmotaItem(json, device, meter)] };
  }
  if (matchTopic(ctx.topics.senml, topic)) {
    return { addressedTo: null, decode: (json) => decodeSenmlItems(json, ctx.directory) };
  }
  return undefined;
}

/**
 * No accepted shape nests deeper than 3 levels (a batch, its item, a Tasmota sensor
 * object). A payload nested thousands deep still fits maxPayloadBytes, and the codecs'
 * JSON.stringify of an item (kept for quarantine) recurses per level: it would throw
 * a RangeError out of the handler, and the message would be redelivered forever.
 */
export const MAX_JSON_DEPTH = 64;

/** One pass over the text, skipping string literals; true as soon as the depth passes maxDepth. */
function nestingExceeds(text: string, maxDepth: number): boolean {
  // Deeper than maxDepth needs more than maxDepth brackets: a typical reading (~80 characters) still scans.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
