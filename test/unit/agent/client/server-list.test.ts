import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerList } from '../../../../src/agent/client/server-list.js';
import type { ServerMember } from '../../../../src/agent/server/server-members.js';
import { MEMBER_STATUS } from '../../../../src/agent/membership.js';
import { seededRandom } from '../../../../src/shared/random.js';

const server = (n: number, status: number = MEMBER_STATUS.alive): ServerMember => ({
  id: `id${n}`, name: `s${n}`, address: `127.0.0.${n}:8300`, status, expect: 0, bootstrap: false,
});

describe('ServerList', () => {
  it('offers only live servers, and moves a failed one to the back', () => {
    let members = [server(2), server(3), server(4, MEMBER_STATUS.failed)];
    const list = new ServerList(() => members, seededRandom(1));
    assert.deepEqual([...list.all()].sort(), ['127.0.0.2:8300', '127.0.0.3:8300']);
    const first = list.current()!;
    list.failed(first);
    assert.notEqual(list.current(), first);
    assert.equal(list.all().at(-1), first);
    members = [server(2), server(3), server(4), server(5)];
    assert.equal(list.all().length, 4, 'servers that appear are added');
    members = [];
    assert.equal(list.current(), undefined);
  });

  it('spreads clients over servers (different seeds pick different first servers)', () => {
    const members = [server(2), server(3), server(4), server(5), server(6)];
    const firsts = new Set(Array.from({ length: 20 }, (_, seed) => new ServerList(() => members, seededRandom(seed)).current()));
    assert.ok(firsts.size >= 3, `only ${firsts.size} distinct first servers over 20 clients`);
  });
});
