import type { Manager, Services } from '../managers/types.js';
import { withCapability } from '../managers/capabilities.js';
import { compileRule, type CompiledRule } from '../rules/compile.js';
import { RulePolicy } from '../rules/policy.js';
import type { UserDirectory } from '../users/types.js';
import { buildManagers, buildUserDirectory } from './build.js';
import { loadConfig, type LoadedConfig } from './load.js';

/** Everything a loaded configuration turns into that a reload replaces. */
export interface Generation {
  readonly config: LoadedConfig;
  readonly users: UserDirectory;
  readonly managers: ReadonlyMap<string, Manager>;
  readonly policy: RulePolicy;
}

/**
 * Builds a configuration's user databases, managers and rules, touching nothing shared: until
 * `commitGeneration`, the running generation goes on as it was. What fails closes whatever was
 * built (timers, watchers) before the error is passed on. On a reload, `previous` is the running
 * generation, whose unchanged user databases carry over (see buildUserDirectory).
 */
export function buildGeneration(config: LoadedConfig, services: Services, previous?: Generation): Generation {
  const users = buildUserDirectory(config, services.store, previous);
  const managers = buildManagers(config, { ...services, users });
  try {
    const compiled = new Map<string, CompiledRule>();
    for (const [name, text] of config.rules) compiled.set(name, compileRule(name, text, managers));
    return { config, users, managers, policy: new RulePolicy(compiled) };
  } catch (err) {
    void closeGeneration({ managers }).catch(() => undefined);
    throw err;
  }
}

/**
 * Makes a built generation the one the shared services follow: each manager's commit (the ledger's
 * cycles, the sessions' timeouts), and the session registry forgets managers it no longer has.
 * Nothing here can fail part way: every step is a map update.
 */
export function commitGeneration(generation: Generation, services: Services): void {
  for (const manager of generation.managers.values()) manager.commit?.();
  const sessionManagers = withCapability(generation.managers.values(), 'sessions');
  services.sessions.retainManagers(new Set(sessionManagers.map((m) => m.name)));
}

/** Closes a generation's managers (an old one after a reload, or one that was refused). */
export async function closeGeneration(generation: Pick<Generation, 'managers'>): Promise<void> {
  for (const manager of generation.managers.values()) {
    try {
      await manager.close?.();
    } catch {
      // Closing goes on: one manager's failure must not keep the others' timers alive.
    }
  }
}

/**
 * Reads the configuration in `dir` and builds its generation, touching nothing shared: what a
 * reload (and check-config) does before anything is committed; `previous` as for buildGeneration.
 * A refusal carries the messages an
 * admin reads, one per problem.
 */
export function loadGeneration(
  dir: string,
  services: Services,
  previous?: Generation,
):
  | { readonly ok: true; readonly generation: Generation }
  | { readonly ok: false; readonly messages: string[] } {
  let config: LoadedConfig;
  try {
    config = loadConfig(dir);
  } catch (err) {
    return { ok: false, messages: String(err instanceof Error ? err.message : err).split('\n') };
  }
  try {
    return { ok: true, generation: buildGeneration(config, services, previous) };
  } catch (err) {
    return { ok: false, messages: [err instanceof Error ? err.message : String(err)] };
  }
}
