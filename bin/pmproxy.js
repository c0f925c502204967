#!/usr/bin/env -S node --max-semi-space-size=32
// The flag: see src/cli/node-flags.ts.
// Runs the compiled server; `npm run build` produces dist/.
await import('../dist/cli/pmproxy.js');
