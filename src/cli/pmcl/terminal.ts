import { createInterface } from 'node:readline';
import { promptPassword, readLineFromStdin } from '../read-password.js';

/** Where pmcl talks to its user; tests and scripts get the same words without a terminal. */
export interface Terminal {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can answer questions (standard input and error are a terminal). */
  readonly interactive: boolean;
  /** Asks a yes/no question; anything but y/yes is no. */
  confirm(question: string): Promise<boolean>;
  readPassword(prompt: string): Promise<string>;
  readStdinLine(): Promise<string>;
}

export const processTerminal: Terminal = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  async confirm(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      const answer = await new Promise<string>((resolve) => rl.question(`${question} `, resolve));
      return /^\s*y(es)?\s*$/iu.test(answer);
    } finally {
      rl.close();
    }
  },
  readPassword: promptPassword,
  readStdinLine: readLineFromStdin,
};
