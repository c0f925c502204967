import type { AccessEntry } from './access-log.js';

/** A flow in flight as the admin page lists it. */
export interface LiveFlowView {
  readonly id: number;
  readonly user: string | null;
  readonly client: string;
  readonly method: string;
  readonly host: string;
  readonly port: number;
  /** Bytes delivered to the client so far (what metering charged). */
  readonly down: number;
  readonly startedAt: string;
  /** Average bytes per second since the flow started. */
  readonly rate: number;
}

interface LiveFlow {
  readonly entry: AccessEntry;
  readonly delivered: () => number;
  readonly startedAt: number;
  readonly cut: () => void;
}

/**
 * The proxy's flows in flight (forwarded answers and CONNECT tunnels). The byte count is the one
 * metering already keeps (MeteredFlow.delivered), read only when an admin asks: nothing is added
 * per chunk.
 */
export class LiveFlows {
  readonly #flows = new Map<number, LiveFlow>();
  #nextId = 1;

  /** Registers a flow; call the returned function when it ends. */
  add(entry: AccessEntry, delivered: () => number, cut: () => void, now = Date.now()): () => void {
    const id = this.#nextId++;
    this.#flows.set(id, { entry, delivered, startedAt: now, cut });
    return () => this.#flows.delete(id);
  }

  get size(): number {
    return this.#flows.size;
  }

  list(now = Date.now()): LiveFlowView[] {
    return [...this.#flows].map(([id, f]) => {
      const down = f.delivered();
      const seconds = Math.max(0.001, (now - f.startedAt) / 1000);
      return {
        id,
        user: f.entry.user ?? null,
        client: f.entry.client,
        method: f.entry.method,
        host: f.entry.host,
        port: f.entry.port,
        down,
        startedAt: new Date(f.startedAt).toISOString(),
        rate: Math.round(down / seconds),
      };
    });
  }

  /** Destroys the flow; false when there is none with that id (it ended meanwhile). */
  cut(id: number): LiveFlowView | undefined {
    const flow = this.#flows.get(id);
    if (flow === undefined) return undefined;
    const view = this.list().find((f) => f.id === id);
    this.#flows.delete(id);
    flow.entry.end ??= 'admin-cut';
    flow.cut();
    return view;
  }
}
