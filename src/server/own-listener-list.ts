import type { OwnListener } from '../proxy/own-listeners.js';
import type { PlainFileServer } from './plain-file-server.js';
import type { WebServer } from './web-server.js';

/** The gateway's listeners the proxy reaches in-process: the API and pages, the plain file server. */
export function ownListeners(web: WebServer, files: PlainFileServer | undefined): OwnListener[] {
  const listeners: OwnListener[] = [
    { kind: 'https', address: () => web.address(), accept: (socket) => web.accept(socket) },
  ];
  if (files !== undefined) {
    listeners.push({
      kind: 'http',
      address: () => files.address(),
      accept: (socket) => files.accept(socket),
      handle: (req, res) => files.handle(req, res),
    });
  }
  return listeners;
}
