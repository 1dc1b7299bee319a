import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusIngestMetrics } from './prometheus-ingest-metrics.js';

async function value(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('prometheus ingest metrics', () => {
  it('shows the per-message counts summed on the hot path at every collection, and they reconcile', async () => {
    const registry = new Registry();
    const metrics = createPrometheusIngestMetrics(registry);
    for (let i = 0; i < 3; i++) metrics.messageReceived();
    metrics.itemsAccepted(2);
    metrics.itemsAccepted(1);
    metrics.itemsQuarantined('schema_violation', 1);
    expect(await value(registry, 'tanhe_ingest_messages_received_total')).toBe(3);
    expect(await value(registry, 'tanhe_ingest_items_accepted_total')).toBe(3);
    expect(await value(registry, 'tanhe_ingest_items_received_total')).toBe(4);
    metrics.messageReceived();
    metrics.itemsAccepted(5);
    expect(await registry.metrics()).toContain('tanhe_ingest_items_accepted_total 8');
    expect(await value(registry, 'tanhe_ingest_messages_received_total')).toBe(4);
    expect(await value(registry, 'tanhe_ingest_items_received_total')).toBe(9);
  });
});
