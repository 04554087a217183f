import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, humanLine } from '../../../src/shared/logger.js';

describe('logger', () => {
  it('prints human lines like Consul by default, JSON with json: true, and honours the level', async () => {
    const human = new PassThrough();
    let text = '';
    human.on('data', (d) => (text += d));
    const log = createLogger({ level: 'info', destination: human });
    log.child({ module: 'dns' }).info({ port: 8600 }, 'listening');
    log.debug('hidden');
    await new Promise((r) => setImmediate(r));
    assert.match(text, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\]  dns: listening: port=8600\n$/);

    const json = new PassThrough();
    let raw = '';
    json.on('data', (d) => (raw += d));
    createLogger({ level: 'debug', json: true, destination: json }).debug({ a: 1 }, 'x');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual({ ...JSON.parse(raw), time: undefined }, { level: 20, a: 1, msg: 'x', time: undefined });
  });

  it('passes through lines that are not JSON', () => {
    assert.equal(humanLine('plain'), 'plain');
  });
});
