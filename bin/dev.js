#!/usr/bin/env -S node --import tsx
import { execute } from '@oclif/core';
import { normalizeArgv } from '../src/cli/argv.ts';

await execute({ development: true, dir: import.meta.url, args: normalizeArgv(process.argv.slice(2)) });
