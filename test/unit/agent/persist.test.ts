import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNodeId } from '../../../src/agent/persist/node-id.js';
import { LocalStateFile } from '../../../src/agent/persist/local-state-file.js';
import { writeFileAtomic } from '../../../src/agent/persist/atomic-file.js';
import { parseCheckDefinition, parseServiceDefinition } from '../../../src/shared/definitions.js';
import { seededRandom } from '../../../src/shared/random.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'roster-persist-'));

describe('node ID', () => {
  it('is generated once and kept across starts; a configured ID must agree with the stored one', () => {
    const dir = tempDir();
    const first = loadNodeId(dir, '', seededRandom(1));
    assert.match(first, /^[0-9a-f-]{36}$/);
    assert.equal(loadNodeId(dir, '', seededRandom(2)), first, 'the stored ID wins over a new random one');
    assert.equal(readFileSync(join(dir, 'node-id'), 'utf8').trim(), first);
    assert.throws(() => loadNodeId(dir, '11111111-2222-4333-8444-555555555555', seededRandom(3)), /conflicts with/);
    writeFileSync(join(dir, 'node-id'), 'garbage');
    assert.throws(() => loadNodeId(dir, '', seededRandom(3)), /not a valid node ID/);
  });
});

describe('local state file', () => {
  it('round-trips services and checks, and survives a damaged file with a clear report', () => {
    const dir = tempDir();
    const file = new LocalStateFile(dir);
    const problems: string[] = [];
    assert.deepEqual(file.load((p) => problems.push(p)), { services: [], checks: [] });
    const state = {
      services: [parseServiceDefinition({ Name: 'web', Port: 80, Check: { TTL: '10s' } })],
      checks: [parseCheckDefinition({ Name: 'disk', TTL: '1m' })],
    };
    file.save(state);
    assert.deepEqual(new LocalStateFile(dir).load((p) => problems.push(p)), state);
    assert.equal(problems.length, 0);
    writeFileSync(join(dir, 'local', 'state.json'), '{"version": 1, "services": ');
    assert.deepEqual(file.load((p) => problems.push(p)), { services: [], checks: [] });
    assert.match(problems[0] ?? '', /state\.json: .*starting without its registrations/);
  });

  it('atomic writes leave no temporary file behind', () => {
    const dir = tempDir();
    writeFileAtomic(join(dir, 'f'), 'one');
    writeFileAtomic(join(dir, 'f'), 'two');
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['f']);
  });
});
