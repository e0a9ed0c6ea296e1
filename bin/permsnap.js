#!/usr/bin/env node
// Entry point: the CLI bundled in dist/ (built by `npm ci` through the prepare script; src/cli/entry.ts says why bundled).
import { commandLineArguments, main } from '../dist/bundle/entry.js';

process.exitCode = await main(commandLineArguments());
