import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Manager, Meter, Pacer, RequestContext, Verdict } from '../../src/managers/types.js';
import { compileRule, ruleIdentifiers, type CompiledRule } from '../../src/rules/compile.js';
import type { Decision } from '../../src/rules/decision.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { RuleNameError } from '../../src/rules/name-error.js';
import { parseRule } from '../../src/rules/parse.js';
import { RulePolicy } from '../../src/rules/policy.js';
import { describeTrace, refusals } from '../../src/rules/trace.js';

/** A manager answering what it is told, counting how often it was asked. */
class Stub implements Manager {
  calls = 0;
  constructor(
    readonly name: string,
    readonly kind: string,
    readonly answer: (ctx: RequestContext) => Verdict | Promise<Verdict>,
  ) {}
  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    this.calls++;
    return this.answer(ctx);
  }
  settings(): Record<string, unknown> {
    return { name: this.name };
  }
}

const yes = (name: string, kind = 'rangeIPM') =>
  new Stub(name, kind, () => ({ match: true, reason: `${name} says yes` }));
const no = (name: string, kind = 'rangeIPM') =>
  new Stub(name, kind, () => ({ match: false, reason: `${name} says no` }));
const unknown = (name: string) =>
  new Stub(name, 'hostMatcher', () => ({ match: undefined, reason: 'needs a URL' }));
const later = (stub: Stub): Stub =>
  new Stub(stub.name, stub.kind, async (ctx) => {
    await new Promise((resolve) => setImmediate(resolve));
    return stub.answer(ctx);
  });

function meterOf(manager: string): Meter {
  return { manager, user: 'alice', charge: (bytes) => bytes, describe: () => '0 B of 1 KB' };
}
const quota = (name: string) =>
  new Stub(name, 'dwnConsR', () => ({ match: true, effect: { kind: 'meter', meter: meterOf(name) } }));
const route = (name: string, localAddress: string) =>
  new Stub(name, 'netIface', () => ({
    match: true,
    effect: { kind: 'route', route: { manager: name, localAddress } },
  }));

function compile(text: string, ...managers: Manager[]): CompiledRule {
  return compileRule('proxy', text, new Map(managers.map((m) => [m.name, m])));
}

function ctx(): RequestContext {
  return { surface: 'proxy', clientIp: '10.0.0.1', at: new Date(0), users: new Map() };
}

/** Evaluates and insists the all-synchronous path stayed synchronous. */
function decideSync(rule: CompiledRule, c: RequestContext = ctx()): Decision {
  const decision = evaluate(rule, c);
  assert.ok(!(decision instanceof Promise), 'a rule over synchronous managers is decided synchronously');
  return decision;
}

const names = (d: Decision) => d.trace.map((t) => t.name);

describe('evaluate: short-circuit and reach', () => {
  it('in sessions ∧ (localSites ∨ down), down is not reached when localSites says yes', () => {
    const down = quota('down');
    const local = decideSync(
      compile('sessions ∧ (localSites ∨ down)', yes('sessions'), yes('localSites'), down),
    );
    assert.deepEqual(
      [local.allow, local.result, names(local), local.meters],
      [true, 'true', ['sessions', 'localSites'], []],
    );
    assert.equal(down.calls, 0);

    const away = decideSync(
      compile('sessions ∧ (localSites ∨ down)', yes('sessions'), no('localSites'), down),
    );
    assert.deepEqual(names(away), ['sessions', 'localSites', 'down']);
    assert.deepEqual(
      away.meters.map((m) => m.manager),
      ['down'],
    );
  });

  it('stops ∧ at the first no, before the quota is reached', () => {
    const down = quota('down');
    const d = decideSync(compile('sessions ∧ down', no('sessions', 'sessionIPM'), down));
    assert.deepEqual([d.allow, d.result, d.meters], [false, 'false', []]);
    assert.deepEqual(d.trace, [
      { name: 'sessions', kind: 'sessionIPM', match: false, reason: 'sessions says no' },
    ]);
    assert.equal(down.calls, 0);
  });

  it('treats ⇒ as ¬a ∨ b and ⇐ as a ∨ ¬b, asking a first', () => {
    const b = yes('b');
    assert.equal(decideSync(compile('a ⇒ b', no('a'), b)).result, 'true');
    assert.equal(b.calls, 0);
    assert.equal(decideSync(compile('a ⇐ b', yes('a'), b)).result, 'true');
    assert.equal(b.calls, 0);
    assert.deepEqual(names(decideSync(compile('a ⇐ b', no('a'), b))), ['a', 'b']);
    assert.equal(decideSync(compile('a ⇐ b', no('a'), yes('b'))).result, 'false');
  });

  it('evaluates both sides of ≡ and ≢', () => {
    const d = decideSync(compile('a ≢ b', no('a'), yes('b')));
    assert.deepEqual([d.result, names(d)], ['true', ['a', 'b']]);
  });

  it('asks each manager at most once and lists it once, in the order reached', () => {
    const a = yes('a');
    const b = no('b');
    const d = decideSync(compile('a ∧ a ∧ (b ∨ a) ∧ ¬b', a, b));
    assert.deepEqual([d.result, names(d), a.calls, b.calls], ['true', ['a', 'b'], 1, 1]);
  });
});

describe('evaluate: effects of reached managers', () => {
  it('applies the first route reached, not the last (the original applied another)', () => {
    const d = decideSync(
      compile('iface1 ∧ iface0', route('iface1', '127.0.0.2'), route('iface0', '127.0.0.1')),
    );
    assert.equal(d.route?.manager, 'iface1');
    const skipped = decideSync(
      compile(
        '(range0 ∧ iface1) ∨ iface0',
        no('range0'),
        route('iface1', '127.0.0.2'),
        route('iface0', '127.0.0.1'),
      ),
    );
    assert.equal(skipped.route?.localAddress, '127.0.0.1');
  });

  it('charges every reached quota that said yes, and none that said no', () => {
    const full = new Stub('d2', 'dwnConsR', () => ({
      match: false,
      quotaExhausted: true,
      reason: 'quota exhausted: 1 KB of 1 KB used',
      effect: { kind: 'meter', meter: meterOf('d2') },
    }));
    const both = decideSync(compile('s ∧ d1 ∧ d3', yes('s'), quota('d1'), quota('d3')));
    assert.deepEqual(
      both.meters.map((m) => m.manager),
      ['d1', 'd3'],
    );
    const exhausted = decideSync(compile('d1 ∧ d2', quota('d1'), full));
    assert.equal(exhausted.allow, false);
    assert.deepEqual(
      exhausted.meters.map((m) => m.manager),
      ['d1'],
    );
    assert.deepEqual(exhausted.trace[1], {
      name: 'd2',
      kind: 'dwnConsR',
      match: false,
      reason: 'quota exhausted: 1 KB of 1 KB used',
      quotaExhausted: true,
    });
  });

  it('collects pacers, the first challenge and the first user recognised', () => {
    const pacer: Pacer = { manager: 'bw', user: 'alice', take: () => 0 };
    const auth = new Stub('auth', 'proxyAuth', () => ({
      match: false,
      challenge: 'campus',
      reason: 'no credentials',
    }));
    const session = new Stub('sessions', 'sessionIPM', (c) => {
      c.users.set('users', 'alice');
      return { match: true };
    });
    const bw = new Stub('bw', 'bwConsR', () => ({ match: true, effect: { kind: 'pace', pacer } }));
    const d = decideSync(compile('(auth ∨ sessions) ∧ bw', auth, session, bw));
    assert.deepEqual([d.allow, d.challenge, d.user, d.pacers], [true, 'campus', 'alice', [pacer]]);
    assert.equal(decideSync(compile('auth', auth)).user, undefined);
  });
});

describe('evaluate: answers not known yet', () => {
  it('keeps an unknown answer in the result, does not ask past it, and denies', () => {
    const down = quota('down');
    const d = decideSync(
      compile('sessions ∧ (localSites ∨ down)', yes('sessions'), unknown('localSites'), down),
    );
    assert.deepEqual([d.allow, d.result, names(d)], [false, 'localSites ∨ down', ['sessions', 'localSites']]);
    assert.equal(down.calls, 0);
    assert.deepEqual(d.meters, []);
    assert.equal(d.trace[1]?.match, undefined);
  });

  it('decides when the unknown is not reached, and asks both sides of ≡ around it', () => {
    assert.equal(decideSync(compile('s ∨ h', yes('s'), unknown('h'))).result, 'true');
    assert.equal(decideSync(compile('s ∧ h', no('s'), unknown('h'))).result, 'false');
    assert.equal(decideSync(compile('h ≡ s', unknown('h'), no('s'))).result, '¬h');
    const s = no('s');
    assert.equal(decideSync(compile('¬h ∧ s', unknown('h'), s)).result, '¬h ∧ s');
    assert.equal(s.calls, 0);
  });
});

describe('evaluate: asynchronous and failing managers', () => {
  it('awaits a manager that answers later, keeping the order and asking each once', async () => {
    const a = yes('a');
    const b = later(yes('b'));
    const c = later(quota('c'));
    const d = evaluate(compile('a ∧ b ∧ (c ∨ a) ∧ b', a, b, c), ctx());
    assert.ok(d instanceof Promise);
    const decision = await d;
    assert.deepEqual([decision.allow, names(decision)], [true, ['a', 'b', 'c']]);
    assert.deepEqual([a.calls, b.calls, c.calls], [1, 1, 1]);
    assert.deepEqual(
      decision.meters.map((m) => m.manager),
      ['c'],
    );
  });

  it('counts a manager that throws as a no, with the error as its reason', () => {
    const boom = new Stub('boom', 'groupIPM', () => {
      throw new Error('database is locked');
    });
    const d = decideSync(compile('boom ∨ ok', boom, yes('ok')));
    assert.equal(d.allow, true);
    assert.deepEqual(d.trace[0], {
      name: 'boom',
      kind: 'groupIPM',
      match: false,
      reason: 'error: database is locked',
    });
  });

  it('counts a manager that rejects as a no, and goes on', async () => {
    const failing = new Stub('ldap', 'groupIPM', () => Promise.reject(new Error('connection refused')));
    const d = await evaluate(compile('ldap ∨ ok', failing, yes('ok')), ctx());
    assert.equal(d.allow, true);
    assert.deepEqual(
      d.trace.map((t) => [t.name, t.match, t.reason]),
      [
        ['ldap', false, 'error: connection refused'],
        ['ok', true, 'ok says yes'],
      ],
    );
  });
});

describe('compileRule and RulePolicy', () => {
  it('binds exactly the managers a rule names', () => {
    const rule = compile('a ∨ ¬a', yes('a'), yes('b'));
    assert.deepEqual([...rule.managers.keys()], ['a']);
    assert.deepEqual(ruleIdentifiers(parseRule('t', 'b ∧ a ∨ b ∧ c')), ['b', 'a', 'c']);
  });

  it('refuses a name no manager has, with the caret under it and the names there are', () => {
    let caught: unknown;
    try {
      compile('sessions ∧ dwn', yes('sessions'), quota('down'));
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof RuleNameError);
    assert.equal(
      caught.message,
      'rule "proxy": no manager named "dwn" (known: sessions, down)\n  sessions ∧ dwn\n             ^',
    );
    assert.deepEqual([caught.identifier, caught.offset, caught.column], ['dwn', 11, 12]);
  });

  it('decides by rule name and refuses a name it does not have', () => {
    const policy = new RulePolicy(
      new Map([
        ['proxy', compile('a', yes('a'))],
        ['api', compile('true', yes('a'))],
      ]),
    );
    assert.equal((policy.decide('api', ctx()) as Decision).result, 'true');
    assert.deepEqual(policy.ruleNames, ['proxy', 'api']);
    assert.throws(() => policy.decide('upload', ctx()), /no rule named "upload" \(there are proxy, api\)/u);
  });

  it('describes a trace on one line, and picks out the refusals', () => {
    const d = decideSync(compile('s ∧ (h ∨ d)', no('s', 'sessionIPM'), unknown('h'), yes('d')));
    assert.equal(describeTrace(d.trace), 's:sessionIPM ✗ (s says no)');
    const open = decideSync(compile('s ∨ h', no('s', 'sessionIPM'), unknown('h')));
    assert.equal(describeTrace(open.trace), 's:sessionIPM ✗ (s says no), h:hostMatcher ? (needs a URL)');
    assert.deepEqual(
      refusals(open.trace).map((t) => t.name),
      ['s'],
    );
  });
});
