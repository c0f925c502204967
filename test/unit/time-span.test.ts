import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import { timeSpan, type TimeSpanConfig } from '../../src/managers/time-span.js';
import type { Manager, RequestContext, Services, Verdict } from '../../src/managers/types.js';

function parse(table: TomlTable): { config: TimeSpanConfig | undefined; errors: string[] } {
  const issues = new Issues('managers.toml');
  const config = timeSpan.parse(new TableReader(table, 'timeSpan[0]', issues));
  return { config, errors: issues.list.map(formatIssue) };
}

function make(table: TomlTable): Manager {
  const { config, errors } = parse({ name: 'day', ...table });
  assert.deepEqual(errors, []);
  assert.ok(config !== undefined);
  // timeSpan uses no service: the time comes from the request.
  return timeSpan.create(config, {} as Services);
}

function at(manager: Manager, when: string): Verdict {
  const ctx: RequestContext = {
    surface: 'proxy',
    clientIp: '10.0.0.1',
    at: new Date(when),
    users: new Map(),
  };
  const verdict = manager.test(ctx);
  assert.ok(!(verdict instanceof Promise));
  return verdict;
}

const PMPROXY_SPAN = { start: '2006-01-02T15:04:05-04:00', active: '5m', total: '10m', times: 1 };

describe('timeSpan, pmproxy’s span form', () => {
  it('acceptance case 14: contains 15:05:05 on the start day, not a later period, not now', () => {
    const day = make({ span: PMPROXY_SPAN });
    assert.deepEqual(at(day, '2006-01-02T15:05:05-04:00'), {
      match: true,
      reason: 'within 5m0s of every 10m0s from 2006-01-02T19:04:05.000Z',
    });
    assert.equal(at(day, '2006-01-02T15:04:05-04:00').match, true);
    assert.equal(at(day, '2006-01-02T15:09:05-04:00').match, false);
    assert.match(at(day, '2006-01-02T15:15:05-04:00').reason ?? '', /^after the last of 1 period/u);
    assert.match(
      at(day, '2006-01-02T15:04:04-04:00').reason ?? '',
      /^before the span starting 2006-01-02T19:04:05/u,
    );
    assert.equal(at(day, new Date().toISOString()).match, false);
  });

  it('repeats forever with infinite, and matches always with allTime', () => {
    const forever = make({ span: { ...PMPROXY_SPAN, times: 0, infinite: true } });
    assert.equal(at(forever, '2006-01-02T15:25:05-04:00').match, true);
    assert.equal(at(forever, '2006-01-02T15:31:05-04:00').match, false);
    assert.equal(at(forever, '2036-01-02T19:04:06Z').match, true);
    const always = make({ span: { allTime: true } });
    assert.deepEqual(at(always, '1999-01-01T00:00:00Z'), { match: true, reason: 'all the time' });
  });

  it('takes the start as a TOML offset date-time too, but not a local one', () => {
    const toml = parseToml(
      'active = "5m"\ntotal = "10m"\ntimes = 1\nstart = 2006-01-02T15:04:05-04:00\nlocal = 2006-01-02T15:04:05',
    );
    const { local, ...span } = toml;
    assert.equal(at(make({ span }), '2006-01-02T19:05:05Z').match, true);
    assert.deepEqual(parse({ name: 'day', span: { ...span, start: local as Date } }).errors, [
      'managers.toml: timeSpan[0].span.start: needs a date, a time and a UTC offset, such as "2006-01-02T15:04:05-04:00"',
    ]);
  });

  it('reports every mistake in a span with its key path', () => {
    assert.deepEqual(
      parse({
        name: 'day',
        span: { start: '2006-02-30T15:04:05Z', active: '5 minutes', total: '0s', colour: 'red' },
      }).errors,
      [
        'managers.toml: timeSpan[0].span.start: "2006-02-30T15:04:05Z" is not a valid date-time',
        'managers.toml: timeSpan[0].span.active: "5 minutes" is not a duration (Go syntax: "30s", "5m", "24h", "1h30m")',
        'managers.toml: timeSpan[0].span.total: must be longer than zero, not "0s"',
        'managers.toml: timeSpan[0].span.colour: unknown key',
        'managers.toml: timeSpan[0].span.times: is required: how many periods (or infinite = true)',
      ],
    );
    assert.deepEqual(
      parse({ name: 'day', span: { start: 'yesterday', active: '20m', total: '10m', times: 0 } }).errors,
      [
        'managers.toml: timeSpan[0].span.start: "yesterday" is not an RFC 3339 date-time such as "2006-01-02T15:04:05-04:00"',
        'managers.toml: timeSpan[0].span.active: is longer than total (20m0s > 10m0s)',
        'managers.toml: timeSpan[0].span.times: is 0, so the span never matches: give how many periods, or infinite = true',
      ],
    );
    assert.deepEqual(parse({ name: 'day', span: {} }).errors, [
      'managers.toml: timeSpan[0].span.start: is required, such as "2006-01-02T15:04:05-04:00"',
      'managers.toml: timeSpan[0].span.active: is required',
      'managers.toml: timeSpan[0].span.total: is required',
      'managers.toml: timeSpan[0].span.times: is required: how many periods (or infinite = true)',
    ]);
  });

  it('shows its settings in pmproxy’s terms', () => {
    assert.deepEqual(make({ span: PMPROXY_SPAN }).settings(), {
      name: 'day',
      span: {
        start: '2006-01-02T19:04:05.000Z',
        active: '5m0s',
        total: '10m0s',
        times: 1,
        infinite: false,
        allTime: false,
      },
    });
  });
});

describe('timeSpan, days and hours', () => {
  // America/Havana is UTC−5 in January.
  const office = { days: 'mon-fri', from: '08:00', to: '17:00', zone: 'America/Havana' };

  it('matches working hours on working days in the zone, with a readable reason', () => {
    const day = make(office);
    assert.deepEqual(at(day, '2026-01-05T13:00:00Z'), {
      match: true,
      reason: 'within mon-fri 08:00-17:00 America/Havana',
    });
    assert.equal(at(day, '2026-01-05T12:59:59Z').match, false);
    assert.equal(at(day, '2026-01-09T21:59:00Z').match, true);
    assert.deepEqual(at(day, '2026-01-09T22:00:00Z'), {
      match: false,
      reason: 'outside mon-fri 08:00-17:00 America/Havana',
    });
    assert.equal(at(day, '2026-01-10T15:00:00Z').match, false);
  });

  it('spans midnight when to comes before from; the night belongs to the day it starts', () => {
    const night = make({ days: ['fri'], from: '22:00', to: '06:00', zone: 'UTC' });
    assert.equal(at(night, '2026-01-09T23:00:00Z').match, true);
    assert.equal(at(night, '2026-01-10T05:59:00Z').match, true);
    assert.equal(at(night, '2026-01-10T06:00:00Z').match, false);
    assert.equal(at(night, '2026-01-10T23:00:00Z').match, false);
    assert.equal(at(night, '2026-01-09T05:00:00Z').match, false);
  });

  it('takes days alone (whole days), hours alone (every day), names in any case, and 24:00', () => {
    const weekend = make({ days: ['Sat', 'SUNDAY'], zone: 'UTC' });
    assert.equal(at(weekend, '2026-01-10T00:00:00Z').reason, 'within sat,sun UTC');
    assert.equal(at(weekend, '2026-01-12T00:00:00Z').match, false);
    const evenings = make({ from: '18:00', to: '24:00', zone: 'UTC' });
    assert.equal(at(evenings, '2026-01-07T23:59:59Z').reason, 'within every day 18:00-24:00 UTC');
    assert.equal(
      at(make({ days: 'fri-mon', zone: 'UTC' }), '2026-01-11T12:00:00Z').reason,
      'within mon,fri-sun UTC',
    );
  });

  it('defaults the zone to the system’s', () => {
    const settings = make({ days: 'mon,wed', from: '9:30', to: '12:00' }).settings();
    assert.deepEqual(settings, {
      name: 'day',
      days: 'mon,wed',
      from: '09:30',
      to: '12:00',
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
  });

  it('reports bad days, times and zones with their key paths', () => {
    assert.deepEqual(
      parse({ name: 'day', days: ['mon', 'fry'], from: '8am', to: '17:60', zone: 'Mars/Olympus' }).errors,
      [
        'managers.toml: timeSpan[0].days[1]: "fry" is not a day or a range of days (such as "mon" or "mon-fri")',
        'managers.toml: timeSpan[0].from: "8am" is not a time of day such as "08:00" or "17:30"',
        'managers.toml: timeSpan[0].to: "17:60" is not a time of day such as "08:00" or "17:30"',
        'managers.toml: timeSpan[0].zone: "Mars/Olympus" is not a time zone (IANA names such as "America/Havana" or "UTC")',
      ],
    );
    assert.deepEqual(parse({ name: 'day', from: '08:00' }).errors, [
      'managers.toml: timeSpan[0].to: is required with from',
    ]);
    assert.deepEqual(parse({ name: 'day', from: '08:00', to: '8:00' }).errors, [
      'managers.toml: timeSpan[0].to: equals from: leave both out for the whole day',
    ]);
    assert.deepEqual(parse({ name: 'day', days: [] }).errors, [
      'managers.toml: timeSpan[0].days: must name at least one day',
    ]);
    assert.deepEqual(parse({ name: 'day', zone: 'UTC' }).errors, [
      'managers.toml: timeSpan[0]: zone alone matches all the time: give days, or from and to, as well',
    ]);
  });

  it('wants exactly one of the two forms', () => {
    assert.deepEqual(parse({ name: 'day', span: PMPROXY_SPAN, days: 'mon' }).errors, [
      "managers.toml: timeSpan[0]: give either span (pmproxy's form) or days (days and hours), not both",
    ]);
    assert.match(
      parse({ name: 'day' }).errors[0] ?? '',
      /^managers\.toml: timeSpan\[0\]: needs span = \{start, active, total, times\}/u,
    );
  });
});
