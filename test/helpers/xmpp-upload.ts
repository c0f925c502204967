import { client, xml, type Client } from '@xmpp/client';

/** XEP-0363 HTTP File Upload, the namespace current clients use. */
export const UPLOAD_NS = 'urn:xmpp:http:upload:0';
const DISCO_INFO_NS = 'http://jabber.org/protocol/disco#info';

type XmlElement = ReturnType<typeof xml>;

export interface SlotRequest {
  readonly filename: string;
  readonly size: number;
  /** Omitted from the request when undefined, as clients do for unknown types. */
  readonly contentType?: string;
}

/** What the upload service answers: where to PUT (signed) and where others GET. */
export interface UploadSlot {
  readonly put: string;
  readonly get: string;
}

export interface XmppUploader {
  /** Asks an upload service (a component's JID) for a slot, as an XMPP client does before a PUT. */
  requestSlot(service: string, request: SlotRequest): Promise<UploadSlot>;
  /** The features an entity announces in disco#info. */
  features(entity: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Logs in with @xmpp/client over plain XMPP (loopback, no TLS) and binds a resource. */
export async function connectXmpp(options: {
  readonly service: string;
  readonly domain: string;
  readonly username: string;
  readonly password: string;
}): Promise<XmppUploader> {
  const xmpp: Client = client({ ...options, resource: 'pmproxy-test' });
  // A lost connection must fail the test that needs it, not reconnect behind its back.
  xmpp.reconnect.stop();
  // Each error also rejects start() or the pending request, which is where a test sees it; an
  // 'error' event without a listener would crash the whole run instead.
  xmpp.on('error', () => undefined);
  try {
    await xmpp.start();
  } catch (err) {
    await xmpp.stop().catch(() => undefined);
    throw new Error(`XMPP login as ${options.username}@${options.domain} failed`, { cause: err });
  }

  // @types/xmpp__client's type for the iq caller does not resolve under this project's NodeNext
  // settings (tsc sees `any`), so this states the one method used here.
  const iqCaller = xmpp.iqCaller as {
    request(stanza: XmlElement, timeoutMs: number): Promise<XmlElement>;
  };
  const ask = (stanza: XmlElement): Promise<XmlElement> => iqCaller.request(stanza, 10_000);

  return {
    async requestSlot(service, request) {
      const attrs: Record<string, string> = {
        xmlns: UPLOAD_NS,
        filename: request.filename,
        size: String(request.size),
      };
      if (request.contentType !== undefined) attrs['content-type'] = request.contentType;
      const answer = await ask(xml('iq', { type: 'get', to: service }, xml('request', attrs)));
      const slot = answer.getChild('slot', UPLOAD_NS);
      const put = slot?.getChild('put')?.attrs['url'] as unknown;
      const get = slot?.getChild('get')?.attrs['url'] as unknown;
      if (typeof put !== 'string' || typeof get !== 'string') {
        throw new Error(`no put and get URL in the slot: ${answer.toString()}`);
      }
      return { put, get };
    },
    async features(entity) {
      const answer = await ask(
        xml('iq', { type: 'get', to: entity }, xml('query', { xmlns: DISCO_INFO_NS })),
      );
      const query = answer.getChild('query', DISCO_INFO_NS);
      if (query === undefined) return [];
      return query.getChildren('feature').map((feature) => String(feature.attrs['var']));
    },
    async stop() {
      await xmpp.stop().catch(() => undefined);
    },
  };
}
