import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Decision } from '../rules/decision.js';
import { AccessEntry } from './access-log.js';
import { denialAnswer, errorAnswer, refusalWords, type AnswerFormat, type ProxyAnswer } from './deny-page.js';
import { authority, dialTunnel, type Endpoint } from './dial.js';
import { VIA } from './hop-by-hop.js';
import { handOffRefusal, handOffTunnel } from './own-handoff.js';
import { ownListenerFor } from './own-listeners.js';
import { flowMeters, MeteredFlow, streamFlow, type MeteredFlowOptions } from './metered-flow.js';
import { ReusedBufferReader } from './reused-buffer-reader.js';
import { framingProblem, normalizeClientIp, parseConnectTarget } from './request-target.js';
import { noop, noteRefusal, PROXY_RULE, requestContext, type ProxyRuntime } from './runtime.js';
import { classifyUpstreamError, INTERNAL_TARGET } from './upstream-errors.js';
import { writeRawAnswer } from './write-answer.js';

/**
 * One CONNECT: the port must be allowlisted and the policy must allow it before anything is dialled;
 * then the tunnel is opened, and bytes from the origin are metered and paced on their way down.
 * The caller has already attached an error handler to `client` (a reset during the policy check
 * must not crash the process).
 */
export async function handleConnect(
  rt: ProxyRuntime,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
): Promise<void> {
  client.on('error', noop);
  const entry = new AccessEntry(rt.access, 'CONNECT');
  entry.client = normalizeClientIp(client.remoteAddress);
  entry.requested(req);
  const refuse = (answer: ProxyAnswer): void => {
    entry.status = answer.status;
    writeRawAnswer(client, answer);
    entry.write();
  };
  const format = (target: string): AnswerFormat => ({
    html: false,
    target,
    ...(rt.apiUrl === undefined ? {} : { apiUrl: rt.apiUrl }),
  });

  const framing = framingProblem(req);
  if (framing !== undefined) {
    refuse(errorAnswer(framing.status, STATUS_CODES[framing.status] ?? 'Error', framing.reason, format('')));
    return;
  }
  const parsed = parseConnectTarget(req.url ?? '');
  if (!parsed.ok) {
    refuse(errorAnswer(400, 'Bad Request', parsed.reason, format('')));
    return;
  }
  const target = parsed.value;
  entry.host = target.host;
  entry.port = target.port;
  const back = `https://${target.port === 443 ? target.host : authority(target)}/`;
  // The gateway's own listeners judge their clients themselves: before connectPorts and the rule.
  const own = await ownListenerFor(rt.ownListeners(), target);
  if (own !== undefined) {
    const refused = handOffRefusal(own, true);
    if (refused !== undefined) {
      const title = STATUS_CODES[refused.status] ?? 'Error';
      refuse(errorAnswer(refused.status, title, refused.reason, format(back)));
    } else if (client.destroyed) {
      entry.end = 'client-closed';
      entry.write();
    } else handOffTunnel(own, client, head, entry);
    return;
  }
  if (!rt.settings.connectPorts.includes(target.port)) {
    entry.result = 'port-refused';
    noteRefusal(
      rt,
      entry.client,
      undefined,
      target.host,
      `secure connections to port ${target.port} are not allowed`,
    );
    refuse(errorAnswer(403, 'Forbidden', `CONNECT to port ${target.port} is not allowed`, format(back)));
    return;
  }
  const ctx = requestContext(
    rt,
    entry.client,
    { host: target.host, port: target.port, method: 'CONNECT' },
    req.headers['proxy-authorization'],
  );
  let decision: Decision;
  try {
    decision = await rt.policy().decide(PROXY_RULE, ctx);
  } catch (err) {
    rt.log.error('the proxy rule could not be evaluated', { err: String(err), host: target.host });
    entry.end = 'policy-error';
    refuse(errorAnswer(500, 'Internal Server Error', 'the access rule could not be evaluated', format(back)));
    return;
  }
  entry.judged(decision);
  if (client.destroyed) {
    entry.end = 'client-closed';
    entry.write();
    return;
  }
  if (!decision.allow) {
    noteRefusal(rt, entry.client, decision.user, target.host, refusalWords(decision));
    refuse(denialAnswer(decision, format(back)));
    return;
  }
  // A direct tunnel reads the origin into reused buffers; one through a parent proxy reads 'data'.
  const reader = decision.route?.parentProxy === undefined ? new ReusedBufferReader() : undefined;
  let upstream: Socket;
  try {
    upstream = await dialTunnel(
      target,
      decision.route,
      rt.settings.dialTimeout,
      rt.internalTargets,
      true,
      reader?.onread,
    );
  } catch (err) {
    const failure = classifyUpstreamError(err);
    if (failure.code === INTERNAL_TARGET) entry.result = 'internal-target';
    entry.error = failure.code;
    entry.end = 'upstream-error';
    const reason = `${authority(target)}: ${failure.reason}`;
    refuse(errorAnswer(failure.status, STATUS_CODES[failure.status] ?? 'Error', reason, format(back)));
    return;
  }
  if (client.destroyed) {
    upstream.destroy();
    entry.end = 'client-closed';
    entry.write();
    return;
  }
  runTunnel(rt, { client, upstream, head, decision, entry, target, reader });
}

interface Tunnel {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly head: Buffer;
  readonly decision: Decision;
  readonly entry: AccessEntry;
  readonly target: Endpoint;
  readonly reader: ReusedBufferReader | undefined;
}

function runTunnel(rt: ProxyRuntime, t: Tunnel): void {
  const { client, upstream, entry } = t;
  upstream.on('error', noop);
  rt.tunnels.add(client);
  entry.countDown = () => flow.delivered;
  const destroyBoth = () => {
    upstream.destroy();
    client.destroy();
  };
  const flowOptions: Omit<MeteredFlowOptions, 'source'> = {
    sink: client,
    meters: flowMeters(t.decision),
    pacers: t.decision.pacers,
    sleep: rt.sleep,
    writeTimeout: rt.settings.writeTimeout,
    onQuotaCut: (last) => {
      entry.end = 'quota';
      upstream.destroy();
      if (last.length > 0) client.write(last);
      client.destroySoon();
    },
    onWriteStall: () => {
      entry.end = 'write-stall';
      destroyBoth();
    },
  };
  const flow =
    t.reader === undefined
      ? streamFlow(upstream, flowOptions)
      : t.reader.feed(new MeteredFlow({ ...flowOptions, source: upstream }), client);
  const unlist = rt.flows.add(entry, () => flow.delivered, destroyBoth);
  client.once('close', () => {
    unlist();
    rt.tunnels.delete(client);
    flow.stop();
    upstream.destroy();
    entry.write();
  });
  upstream.once('close', (hadError) => {
    if (hadError) {
      entry.end ??= 'upstream-error';
      client.destroy();
    }
  });
  upstream.once('end', () => {
    flow.stop();
    client.end();
  });
  const idle = rt.settings.idleTimeout;
  if (idle > 0) {
    const onIdle = () => {
      if (flow.held) {
        // A deliberate pause (pacing, a slow client), not silence: wait another period.
        client.setTimeout(idle);
        upstream.setTimeout(idle);
        return;
      }
      entry.end ??= 'idle-timeout';
      destroyBoth();
    };
    client.setTimeout(idle, onIdle);
    upstream.setTimeout(idle, onIdle);
  }

  // Client to origin: not metered (uploads are free), but with backpressure.
  client.on('data', (chunk: Buffer) => {
    entry.up += chunk.length;
    if (!upstream.write(chunk)) client.pause();
  });
  upstream.on('drain', () => client.resume());
  client.once('end', () => upstream.end());

  client.setNoDelay(true);
  entry.status = 200;
  client.write(`HTTP/1.1 200 Connection Established\r\nVia: ${VIA}\r\n\r\n`);
  if (t.head.length > 0) {
    entry.up += t.head.length;
    upstream.write(t.head);
  }
  if (t.reader === undefined) flow.start();
  else t.reader.start();
  client.resume();
}
