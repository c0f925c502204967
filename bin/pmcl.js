#!/usr/bin/env node
await import('../dist/cli/pmcl.js');
