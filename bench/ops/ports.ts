/**
 * Each section's ports, a hundred apart and clear of the other benches' (18080–18093, 18280–18643,
 * 13128), so a server one section left behind never stands in for another's.
 */
export interface OpsPorts {
  readonly origin: number;
  readonly proxy: number;
  readonly api: number;
  /** Free for the section's own extra listeners (a second proxy address, Squid …): base + 10 … 99. */
  readonly spare: number;
}

const BASES = {
  reloads: 19000,
  restarts: 19100,
  slowloris: 19200,
  idle: 19300,
  soak: 19400,
  kill: 19500,
  store: 19600,
  latency: 19700,
} as const;

export type SectionName = keyof typeof BASES;

export function portsFor(section: SectionName): OpsPorts {
  const base = BASES[section];
  return { origin: base, proxy: base + 1, api: base + 2, spare: base + 10 };
}
