#!/usr/bin/env node
// Runs the compiled server; `npm run build` produces dist/.
await import('../dist/cli/pmproxy.js');
