import { UsageError } from '../usage-error.js';
import type { Flags } from './args.js';
import { Failure } from './failure.js';
import { parseServer, type Server } from './server-url.js';
import { loadState, saveState, type Session, type State } from './state.js';
import type { Terminal } from './terminal.js';

/** What every command works with: its flags, the state file, the terminal and the server. */
export class Context {
  #state: State | undefined;

  constructor(
    readonly flags: Flags,
    readonly terminal: Terminal,
    readonly statePath: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Read on first use, so `pmcl help` and usage errors never touch the file. */
  get state(): State {
    this.#state ??= loadState(this.statePath);
    return this.#state;
  }

  update(change: (state: State) => State): void {
    const next = change(this.state);
    saveState(this.statePath, next);
    this.#state = next;
  }

  /** --server, then $PMCL_SERVER, then the one last logged in to; undefined when none is known. */
  knownServer(): string | undefined {
    return this.flags.server ?? nonEmpty(this.env['PMCL_SERVER']) ?? this.state.server;
  }

  /** The server: --server, then $PMCL_SERVER, then the one last logged in to. */
  server(): Server {
    const text = this.knownServer();
    if (text === undefined) {
      throw new UsageError(
        'which server? Pass --server https://host:port, set PMCL_SERVER, or log in first (pmcl login URL user)',
      );
    }
    return parseServer(text);
  }

  /** The session opened at `server`, never one of another server (its token must not go there). */
  session(server: Server): Session {
    const session = this.state.session;
    if (session === undefined || session.server !== server.base) {
      throw new Failure(`not logged in at ${server.base}; log in with: pmcl login ${server.base} USER`);
    }
    return session;
  }
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
