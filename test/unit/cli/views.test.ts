// The pure pieces behind the commands' output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatPairs, formatTable } from '../../../src/cli/table.js';
import { memberAddress, memberStatus, selectMembers } from '../../../src/cli/members-view.js';
import { decodeBase64, detailedEntry, readKvData } from '../../../src/cli/kv-value.js';
import { roffEscape, renderCommandPage } from '../../../src/cli/man-page.js';
import type { Member } from '../../../src/client/types.js';

const m = (Name: string, Status: number, Tags: Record<string, string>, Addr = '10.0.0.1'): Member => ({
  Name, Addr, Port: 8301, Tags, Status, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
});

describe('formatTable', () => {
  test('pads every column but the last to its widest cell, two spaces apart, no trailing blanks', () => {
    assert.equal(formatTable(['A', 'Long header'], [['xxxx', ''], ['y', 'z']]), 'A     Long header\nxxxx\ny     z');
  });
  test('formatPairs sorts by key', () => {
    assert.equal(formatPairs({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatPairs(null), '');
  });
});

describe('members view', () => {
  test('status names follow serf; unknown numbers say so', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map(memberStatus), ['none', 'alive', 'leaving', 'left', 'failed', 'unknown']);
  });
  test('servers first, then partition, segment, name; the regexp is unanchored like Go', () => {
    const members = [m('b', 1, { role: 'node' }), m('z', 1, { role: 'consul' }), m('a', 2, { role: 'node', ap: 'p2' }), m('c', 1, { role: 'node', segment: 's' })];
    assert.deepEqual(selectMembers(members, /.*/).map((x) => x.Name), ['z', 'b', 'c', 'a']);
    assert.deepEqual(selectMembers(members, /lea/).map((x) => x.Name), ['a']);
  });
  test('IPv6 addresses are bracketed', () => {
    assert.equal(memberAddress(m('x', 1, {}, 'fe80::1')), '[fe80::1]:8301');
  });
});

describe('kv values', () => {
  test('decodeBase64 is strict', () => {
    assert.deepEqual([...decodeBase64('AQL/', 'x')], [1, 2, 255]);
    assert.deepEqual([...decodeBase64('AQ\nL/', 'x')], [1, 2, 255]);
    for (const bad of ['AQL', 'A*==', 'not base64']) assert.throws(() => decodeBase64(bad, 'x'), { code: 'BAD_REQUEST' });
  });
  test('readKvData: text, empty, stdin, and a missing @file', async () => {
    const stdin = new PassThrough();
    stdin.end('piped');
    await assert.rejects(readKvData('@/nonexistent/roster-value', { base64: false, stdin }), {
      code: 'BAD_REQUEST',
      message: 'cannot read /nonexistent/roster-value: ENOENT',
    });
    assert.equal((await readKvData('plain', { base64: false, stdin })).toString(), 'plain');
    assert.equal((await readKvData(undefined, { base64: false, stdin })).length, 0);
    assert.equal((await readKvData('-', { base64: false, stdin })).toString(), 'piped');
  });
  test('detailedEntry shows - for no session, and base64 on request', () => {
    const e = { Key: 'k', CreateIndex: 1, ModifyIndex: 2, LockIndex: 0, Flags: 0, Value: Buffer.from('v').toString('base64') };
    assert.match(detailedEntry(e, false), /^Session {10}-$/m);
    assert.match(detailedEntry(e, true), /^Value {12}dg==$/m);
  });
});

describe('roff', () => {
  test('escapes backslashes, hyphens and control characters at line starts', () => {
    assert.equal(roffEscape('a\\b --x\n.dot\n\'quote'), 'a\\eb \\-\\-x\n\\&.dot\n\\&\'quote');
  });
  test('an example with an unknown template is refused rather than printed raw', () => {
    const cmd = { id: 'x', aliases: [], hidden: false, hiddenAliases: [], args: {}, flags: {}, examples: ['<%= config.name %> x'] };
    const ctx = { bin: 'roster', version: '1', description: '', topicSeparator: ' ', jsonEnvVar: 'ROSTER_CONTENT_TYPE', topics: [] };
    assert.throws(() => renderCommandPage(cmd, ctx), /unsupported template/);
  });
});
