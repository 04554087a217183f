import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeArgv } from '../../../src/cli/argv.js';

test('single-dash long flags become double-dash', () => {
  assert.deepEqual(normalizeArgv(['agent', '-dev']), ['agent', '--dev']);
  assert.deepEqual(normalizeArgv(['agent', '-data-dir=/x']), ['agent', '--data-dir=/x']);
  assert.deepEqual(normalizeArgv(['members', '-http-addr', '1.2.3.4:8500']), ['members', '--http-addr', '1.2.3.4:8500']);
  assert.deepEqual(normalizeArgv(['kv', 'put', '-modify-index=42', '-cas', 'k']), ['kv', 'put', '--modify-index=42', '--cas', 'k']);
});

test('the value after = is kept byte for byte, dashes and = included', () => {
  assert.deepEqual(normalizeArgv(['-status=-left|=x']), ['--status=-left|=x']);
  assert.deepEqual(normalizeArgv(['-note=a b\nc']), ['--note=a b\nc']);
  assert.deepEqual(normalizeArgv(['-separator=']), ['--separator=']);
});

test('short flags, double-dash flags, stdin and negative numbers are untouched', () => {
  assert.deepEqual(normalizeArgv(['-h']), ['-h']);
  assert.deepEqual(normalizeArgv(['-v', '-x=1']), ['-v', '-x=1']);
  assert.deepEqual(normalizeArgv(['--json', '--http-addr=a:1']), ['--json', '--http-addr=a:1']);
  assert.deepEqual(normalizeArgv(['kv', 'put', 'k', '-']), ['kv', 'put', 'k', '-']);
  assert.deepEqual(normalizeArgv(['-1', '-42', '-0.5', '-1e3']), ['-1', '-42', '-0.5', '-1e3']);
  assert.deepEqual(normalizeArgv(['---x']), ['---x']);
});

test('everything after -- is an operand and stays as written', () => {
  assert.deepEqual(normalizeArgv(['kv', 'put', '-cas', '--', 'k', '-value', '-x=1', '--']), ['kv', 'put', '--cas', '--', 'k', '-value', '-x=1', '--']);
});

test('plain words and an empty argv pass through; the input is not mutated', () => {
  const input = ['members', 'web', '-detailed'];
  assert.deepEqual(normalizeArgv(input), ['members', 'web', '--detailed']);
  assert.deepEqual(input, ['members', 'web', '-detailed']);
  assert.deepEqual(normalizeArgv([]), []);
});
