import type { Socket } from 'node:net';

/** How long a connection being closed gets to read its answer before its socket is destroyed. */
const LINGER_MS = 2_000;
/** What a connection being closed may still send, read and discarded, before reading stops. */
const LINGER_BYTES = 64 * 1024;

/**
 * Writes `bytes` (a whole short answer) and closes the socket the way that lets the client read
 * them: our side is shut first (a FIN after the answer), and the socket is destroyed when the
 * client closes too, or after LINGER_MS. Destroying it at once, with the client's unread bytes in
 * our receive buffer, makes the kernel send a reset, and a client still sending (curl with a 1 MB
 * header, a browser's upload) then loses the answer with the connection. A little more of what the
 * client sends is read and discarded; past LINGER_BYTES reading stops, so a client that keeps
 * sending only fills the kernel's buffers until the timer cuts it, and is never read forever.
 */
export function closeAfterAnswer(socket: Socket, bytes: Buffer | string): void {
  if (socket.destroyed) return;
  const destroy = () => socket.destroy();
  socket.once('error', destroy);
  // Not an idle timeout: data arriving must not extend it.
  const timer = setTimeout(destroy, LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.setTimeout(0);
  // Whoever read this socket before (the HTTP parser of a request that failed) reads no more.
  socket.removeAllListeners('data');
  let discarded = 0;
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) socket.pause();
  });
  socket.once('end', () => socket.destroySoon());
  socket.end(bytes);
  socket.resume();
}
