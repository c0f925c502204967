/**
 * An expected failure of a command (a user that does not exist, a refused change): printed as one
 * `pmproxy: …` line, exit status 1, never with a stack trace.
 */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export const noSuchUser = (user: string): CommandError => new CommandError(`no such user "${user}"`);
