#!/usr/bin/env node
// Published entry point: runs the compiled CLI. From the sources use `pnpm tdlab` at the repo root.
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
