#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { commandLineArguments } from '../dist/cli/arguments.js';
import { main } from '../dist/cli/main.js';

process.exitCode = await main(commandLineArguments());
