/**
 * The load test's origin process: runs the stand-in origins (scripts/lib/origin-server.ts)
 * in a process of their own, so they do not share the load generator's event loop, and
 * counts every request each origin serves in time buckets (the ground truth for "which
 * origin got what, when"). Driven over IPC by ./origins.ts; exits when its parent goes.
 */
import { startOrigin } from "../origin-server.ts";
import type { OriginServer } from "../origin-server.ts";
import type { OriginRequest, OriginReply, OriginSpec } from "./origins.ts";

interface Slot {
  spec: OriginSpec;
  port: number;
  server: OriginServer | undefined;
  total: number;
  buckets: number[];
  /** When it first served a request after its last (re)start. */
  firstRequestAt: number | undefined;
}

const slots = new Map<string, Slot>();
let t0 = 0;
let bucketMs = 0;

function count(slot: Slot): void {
  slot.total++;
  slot.firstRequestAt ??= Date.now();
  if (bucketMs <= 0) return;
  const i = Math.floor((Date.now() - t0) / bucketMs);
  if (i < 0) return;
  while (slot.buckets.length <= i) slot.buckets.push(0);
  slot.buckets[i] = (slot.buckets[i] ?? 0) + 1;
}

async function listen(slot: Slot): Promise<void> {
  slot.server = await startOrigin({ id: slot.spec.id, port: slot.port, latencyMs: slot.spec.latencyMs, onRequest: () => count(slot) });
  slot.port = slot.server.port;
}

function slotOf(id: string): Slot {
  const slot = slots.get(id);
  if (slot === undefined) throw new Error(`no origin ${id}`);
  return slot;
}

async function handle(request: OriginRequest): Promise<unknown> {
  switch (request.op) {
    case "start": {
      const started: { id: string; port: number }[] = [];
      for (const spec of request.origins) {
        const slot: Slot = { spec, port: spec.port ?? 0, server: undefined, total: 0, buckets: [], firstRequestAt: undefined };
        slots.set(spec.id, slot);
        await listen(slot);
        started.push({ id: spec.id, port: slot.port });
      }
      return started;
    }
    case "kill": {
      // Close the listener and destroy every open socket: new connects are refused.
      const slot = slotOf(request.id);
      await slot.server?.close();
      slot.server = undefined;
      return Date.now();
    }
    case "restart": {
      const slot = slotOf(request.id);
      if (slot.server === undefined) {
        slot.firstRequestAt = undefined;
        await listen(slot);
      }
      return Date.now();
    }
    case "track": {
      t0 = request.t0;
      bucketMs = request.bucketMs;
      for (const slot of slots.values()) slot.buckets = [];
      return null;
    }
    case "counts": {
      const out: Record<string, { total: number; buckets: number[]; firstRequestAt: number | null }> = {};
      for (const [id, slot] of slots)
        out[id] = { total: slot.total, buckets: [...slot.buckets], firstRequestAt: slot.firstRequestAt ?? null };
      return out;
    }
    case "close": {
      await Promise.all([...slots.values()].map((s) => s.server?.close()));
      for (const slot of slots.values()) slot.server = undefined;
      return null;
    }
  }
}

process.on("message", (message: OriginRequest) => {
  handle(message).then(
    (result) => process.send?.({ seq: message.seq, ok: true, result } satisfies OriginReply),
    (error: unknown) =>
      process.send?.({ seq: message.seq, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies OriginReply),
  );
});
// The parent went away (even by SIGKILL): nothing must stay bound.
process.on("disconnect", () => process.exit(0));
process.send?.({ seq: 0, ok: true, result: "ready" } satisfies OriginReply);
