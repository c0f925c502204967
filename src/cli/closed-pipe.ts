/**
 * `pmproxy quota show bob | head -1`: once the reader is gone there is no one left to tell, so a
 * command whose standard output (or error) is a closed pipe stops quietly with the status it had,
 * as `ls | head` does, instead of dying on an unhandled EPIPE with a stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}
