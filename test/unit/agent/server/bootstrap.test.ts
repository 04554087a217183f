import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemberView } from '../../../../src/http/agent-port.js';
import { decideBootstrap } from '../../../../src/agent/server/bootstrap.js';
import { serverMembers, type ServerMember } from '../../../../src/agent/server/server-members.js';
import { MEMBER_STATUS } from '../../../../src/agent/membership.js';

const server = (id: string, over: Partial<ServerMember> = {}): ServerMember => ({
  id, name: `s-${id}`, address: `127.0.0.${id}:8300`, status: MEMBER_STATUS.alive, expect: 3, bootstrap: false, ...over,
});

describe('decideBootstrap', () => {
  it('waits until the expected number of alive servers is in the pool', () => {
    const decision = decideBootstrap([server('2'), server('3'), server('4', { status: MEMBER_STATUS.failed })], 3);
    assert.equal(decision.kind, 'wait');
  });

  it('bootstraps with every alive server as a voter, sorted by ID so all servers agree', () => {
    const a = decideBootstrap([server('4'), server('2'), server('3')], 3);
    const b = decideBootstrap([server('3'), server('4'), server('2')], 3);
    assert.equal(a.kind, 'bootstrap');
    assert.deepEqual(a, b);
    if (a.kind !== 'bootstrap') return;
    assert.deepEqual(a.membership.servers.map((s) => s.id), ['2', '3', '4']);
    assert.ok(a.membership.servers.every((s) => s.voter));
    assert.equal(a.membership.servers[0]!.address, '127.0.0.2:8300');
  });

  it('refuses when a server advertises a different expectation or -bootstrap', () => {
    assert.equal(decideBootstrap([server('2'), server('3', { expect: 5 }), server('4')], 3).kind, 'refuse');
    assert.equal(decideBootstrap([server('2'), server('3', { bootstrap: true, expect: 0 }), server('4')], 3).kind, 'refuse');
  });
});

describe('serverMembers', () => {
  const member = (name: string, tags: Record<string, string>, addr = '127.0.0.2'): MemberView => ({
    Name: name, Addr: addr, Port: 8301, Tags: tags, Status: MEMBER_STATUS.alive,
    ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
  });

  it('keeps only servers of our datacenter, with their RPC address from the port tag', () => {
    const servers = serverMembers(
      [
        member('s1', { role: 'consul', dc: 'dc1', id: 'a', port: '8300', expect: '3' }),
        member('c1', { role: 'node', dc: 'dc1', id: 'b' }),
        member('s2', { role: 'consul', dc: 'dc2', id: 'c', port: '8300' }),
        member('s3', { role: 'consul', dc: 'dc1', id: 'd', port: '9300' }, '::1'),
      ],
      'dc1',
    );
    assert.deepEqual(servers.map((s) => [s.name, s.address, s.expect]), [['s1', '127.0.0.2:8300', 3], ['s3', '[::1]:9300', 0]]);
  });
});
