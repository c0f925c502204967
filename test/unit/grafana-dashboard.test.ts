import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { registerLiveGauges } from '../../src/metrics/live-gauges.js';

// contrib/grafana/pmproxy.json against the metrics the gateway really exports: every panel queries
// the chosen data source, every metric a query names exists, every pmproxy_ metric is on a panel,
// and (with promtool) every query is PromQL that Prometheus parses.

const DATASOURCE = '${datasource}';

/**
 * pmproxy_ metrics that no panel needs to show, each with the reason. Empty for now: a metric added
 * to gateway-metrics.ts or live-gauges.ts fails this test until it gets a panel or a line here.
 */
const NOT_ON_THE_DASHBOARD: ReadonlyMap<string, string> = new Map<string, string>([]);

interface DataSourceRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId?: string;
  expr?: string;
  datasource?: DataSourceRef;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceRef;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: DataSourceRef;
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../contrib/grafana/pmproxy.json', import.meta.url), 'utf8'),
) as Dashboard;

/** Every panel, those inside rows (collapsed ones keep theirs in `panels`) included; rows left out. */
function queryPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => (p.type === 'row' ? queryPanels(p.panels ?? []) : [p]));
}

/**
 * The queries of every panel's targets and every query variable, with where each comes from; expr
 * is the PromQL in them (a variable's `label_values(selector, label)` is Grafana's, not PromQL).
 */
function expressions(): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  for (const panel of queryPanels(dashboard.panels)) {
    for (const t of panel.targets ?? []) {
      if (t.expr !== undefined) found.push({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    if (query === undefined) continue;
    const expr = /^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim())?.[1] ?? query;
    found.push({ where: `variable $${v.name}`, expr });
  }
  return found;
}

/**
 * The metric names in an expression. String literals (label values, regexes) go first; of the
 * identifiers left, those with pmproxy's or prom-client's prefixes are metrics, which keeps
 * functions (rate, histogram_quantile), keywords (by, sum) and label names (le, kind) out.
 */
function metricNames(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return (code.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((t) => /^(pmproxy|process|nodejs)_/.test(t));
}

/** The metrics a running gateway exports: its registry with the scrape-time gauges added. */
async function exportedMetrics(): Promise<Map<string, string>> {
  const metrics = new GatewayMetrics();
  registerLiveGauges(metrics.registry, {
    connections: () => new Map([['proxy', 0]]),
    tunnels: () => 0,
    groupQuotas: () => [],
    storeAge: () => undefined,
  });
  const json = await metrics.registry.getMetricsAsJSON();
  // prom-client's typings give type as a numeric enum; at run time it is 'counter', 'histogram' …
  return new Map(json.map((m) => [m.name, String(m.type)]));
}

/** The exported metric a series name belongs to: itself, or the histogram or summary of a _bucket … */
function owner(series: string, exported: ReadonlyMap<string, string>): string | undefined {
  if (exported.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const type = exported.get(base);
  if (base === series || type === undefined) return undefined;
  if (series.endsWith('_bucket') ? type === 'histogram' : type === 'histogram' || type === 'summary')
    return base;
  return undefined;
}

describe('the Grafana dashboard', () => {
  it('is schema 39 with a Prometheus data source variable that every panel and target uses', () => {
    assert.equal(dashboard.schemaVersion, 39);
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    assert.equal(variable?.type, 'datasource');
    assert.equal(variable?.query, 'prometheus');
    const panels = queryPanels(dashboard.panels);
    assert.ok(panels.length > 0);
    for (const panel of panels) {
      assert.equal(panel.datasource?.uid, DATASOURCE, `panel "${panel.title}" datasource`);
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has no target`);
      for (const t of panel.targets ?? []) {
        assert.equal(t.datasource?.uid ?? DATASOURCE, DATASOURCE, `panel "${panel.title}" ${t.refId}`);
        assert.ok(
          t.expr !== undefined && t.expr.trim() !== '',
          `panel "${panel.title}" ${t.refId} has no expr`,
        );
      }
      assert.equal(new Set(panel.targets?.map((t) => t.refId)).size, panel.targets?.length);
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      assert.equal(v.datasource?.uid, DATASOURCE, `variable $${v.name}`);
    }
    const ids = [...dashboard.panels.filter((p) => p.type === 'row'), ...panels].map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  });

  it('names only metrics that pmproxy exports, and shows every pmproxy_ metric', async () => {
    const exported = await exportedMetrics();
    const shown = new Set<string>();
    const unknown: string[] = [];
    for (const { where, expr } of expressions()) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where} names no metric: ${expr}`);
      for (const name of names) {
        const metric = owner(name, exported);
        if (metric === undefined) unknown.push(`${where}: ${name}`);
        else shown.add(metric);
      }
    }
    assert.deepEqual(unknown, [], 'metrics the dashboard names that the gateway does not export');
    for (const name of NOT_ON_THE_DASHBOARD.keys()) {
      assert.ok(exported.has(name), `the exception ${name} is no metric any more`);
      assert.ok(!shown.has(name), `the exception ${name} is on the dashboard after all`);
    }
    const missing = [...exported.keys()].filter(
      (name) => name.startsWith('pmproxy_') && !shown.has(name) && !NOT_ON_THE_DASHBOARD.has(name),
    );
    assert.deepEqual(missing, [], 'pmproxy_ metrics no panel shows (add a panel, or an exception)');
  });

  it('has queries that Prometheus parses', (t) => {
    if (spawnSync('sh', ['-c', 'command -v promtool']).status !== 0) {
      const why = 'promtool is not installed (Debian package prometheus; .ci/run installs it)';
      if (process.env['CI'] === 'true') assert.fail(why);
      return t.skip(why);
    }
    // Grafana's variables, as Grafana would fill them in.
    const rules = expressions().map(({ expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr
        .replaceAll('$__rate_interval', '5m')
        .replaceAll('$__range', '6h')
        .replaceAll('$instance', '.*'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'pmproxy-dashboard-'));
    try {
      const file = join(dir, 'rules.yml');
      // JSON is YAML.
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.match(check.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
