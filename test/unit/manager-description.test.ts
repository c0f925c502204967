import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspectConfig } from '../../src/config/load.js';
import { writeConfigDir, startGateway } from '../helpers/gateway.js';
import { discover } from '../../src/api/discovery.js';
import { ruleContext } from '../../src/managers/rule-context.js';

const managers = (description: string) => `
rule = "campus"
[[rangeIPM]]
name = "campus"
description = ${JSON.stringify(description)}
cidr = ["10.0.0.0/8"]
`;

describe('manager descriptions', () => {
  it('are what people read in the trace and in discovery; name and kind stay beside them', async () => {
    const cfg = writeConfigDir(managers('Campus network'));
    const gateway = await startGateway(cfg.dir);
    try {
      const decision = await gateway.policy.decide('proxy', ruleContext('proxy', '127.0.0.9', new Date()));
      assert.equal(decision.trace[0]?.description, 'Campus network');
      const deps = { policy: () => gateway.policy, services: gateway.services } as unknown as Parameters<
        typeof discover
      >[0];
      const found = await discover(deps, '127.0.0.9');
      assert.deepEqual(found.managers[0], {
        name: 'campus',
        type: 'rangeIPM',
        match: false,
        reason: '127.0.0.9 not in 10.0.0.0/8',
        description: 'Campus network',
      });
    } finally {
      await gateway.stop(0);
      cfg.cleanup();
    }
  });

  it('are one line of at most 120 characters', () => {
    for (const bad of ['two\nlines', 'x'.repeat(121), '']) {
      const cfg = writeConfigDir(managers(bad));
      try {
        const report = inspectConfig(cfg.dir);
        assert.equal(report.config, undefined, JSON.stringify(bad));
        assert.ok(
          report.errors.some((e) => e.path === 'rangeIPM[0].description'),
          JSON.stringify(report.errors),
        );
      } finally {
        cfg.cleanup();
      }
    }
  });
});
