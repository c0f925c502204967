import { CommandError } from './command-error.js';
import { createInterface } from 'node:readline';

/** One line from stdin (`--password-stdin`, for scripts). */
export async function readLineFromStdin(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new CommandError('no password on standard input');
}

/** Asks on the terminal without echoing what is typed. */
export async function promptPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readLineFromStdin();
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let typed = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new CommandError('interrupted'));
            return;
          }
          typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
