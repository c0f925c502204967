/** One refused request as its user reads it on /status: "12:03 www.example.org: …". */
export interface Refusal {
  /** ISO time. */
  readonly at: string;
  readonly host: string;
  /** Why, in people's words: the manager (its description) and its reason. */
  readonly why: string;
}

/**
 * The last refusals per client address and per user, in memory, because a browser shows nothing of
 * a refused CONNECT (only "ERR_TUNNEL_CONNECTION_FAILED"). Bounded twice: a few dozen per key, and a
 * number of keys beyond which the least recently refused are forgotten, so a flood of refused
 * requests from many addresses or names cannot grow it.
 */
export class RefusalLog {
  readonly #byKey = new Map<string, Refusal[]>();

  constructor(
    private readonly perKey = 30,
    private readonly maxKeys = 20_000,
  ) {}

  record(client: string, user: string | undefined, refusal: Refusal): void {
    this.#add(`ip:${client}`, refusal);
    if (user !== undefined) this.#add(`user:${user}`, refusal);
  }

  /** Newest first: the address's and, when given, the user's, each refusal once. */
  recent(client: string, user?: string): Refusal[] {
    const mine = [...(this.#byKey.get(`ip:${client}`) ?? [])];
    if (user !== undefined)
      for (const r of this.#byKey.get(`user:${user}`) ?? []) if (!mine.includes(r)) mine.push(r);
    return mine.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, this.perKey);
  }

  #add(key: string, refusal: Refusal): void {
    const list = this.#byKey.get(key) ?? [];
    // Re-inserted, so the map's order is least recently refused first.
    this.#byKey.delete(key);
    list.push(refusal);
    if (list.length > this.perKey) list.splice(0, list.length - this.perKey);
    this.#byKey.set(key, list);
    while (this.#byKey.size > this.maxKeys) {
      const oldest = this.#byKey.keys().next().value;
      if (oldest === undefined) break;
      this.#byKey.delete(oldest);
    }
  }
}
