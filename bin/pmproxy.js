#!/usr/bin/env -S MALLOC_TRIM_THRESHOLD_=67108864 node --max-semi-space-size=32
// The flag and the variable: see src/cli/node-flags.ts.
// Runs the compiled server; `npm run build` produces dist/.
await import('../dist/cli/pmproxy.js');
