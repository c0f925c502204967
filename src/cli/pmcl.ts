#!/usr/bin/env node
// pmcl, the command-line client of the gateway's HTTPS API (docs/api.md); the work is in ./pmcl/.
import { runPmcl } from './pmcl/run.js';
import { processTerminal } from './pmcl/terminal.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

exitQuietlyOnClosedPipe();

process.exitCode = await runPmcl(process.argv.slice(2), processTerminal, process.env);
