import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentEvents, eventMatches, validateUserEvent } from '../../../src/agent/events.js';
import type { SerfUserEvent } from '../../../src/gossip/serf/serf.js';
import type { UserEventRequest } from '../../../src/http/agent-port.js';
import { eventListIndex } from '../../../src/http/routes/event.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';

const filters = (NodeFilter = '', ServiceFilter = '', TagFilter = '') => ({ NodeFilter, ServiceFilter, TagFilter });
const services = [
  { Name: 'web', Tags: ['v1', 'canary'] },
  { Name: 'db', Tags: ['primary'] },
];
const request = (over: Partial<UserEventRequest> = {}): UserEventRequest => ({
  name: 'deploy', payload: new Uint8Array(0), nodeFilter: '', serviceFilter: '', tagFilter: '', ...over,
});

describe('user event filters (Consul shouldProcessUserEvent)', () => {
  it('no filter matches every agent', () => {
    assert.equal(eventMatches(filters(), 'n1', []), true);
  });

  it('node filter is an unanchored regex over the node name', () => {
    assert.equal(eventMatches(filters('^web-'), 'web-1', []), true);
    assert.equal(eventMatches(filters('^web-'), 'db-1', []), false);
    assert.equal(eventMatches(filters('1'), 'web-1', []), true);
  });

  it('service filter needs a service whose name matches; tag filter a matching tag on that service', () => {
    assert.equal(eventMatches(filters('', 'we'), 'n', services), true);
    assert.equal(eventMatches(filters('', '^cache$'), 'n', services), false);
    assert.equal(eventMatches(filters('', 'web', 'canary'), 'n', services), true);
    assert.equal(eventMatches(filters('', 'web', 'primary'), 'n', services), false, 'the tag is on another service');
    assert.equal(eventMatches(filters('', '.*', 'primary'), 'n', services), true);
    assert.equal(eventMatches(filters('', 'web'), 'n', []), false, 'no services at all');
  });

  it('node and service filters must both match', () => {
    assert.equal(eventMatches(filters('n1', 'web'), 'n1', services), true);
    assert.equal(eventMatches(filters('n2', 'web'), 'n1', services), false);
  });

  it('a filter that does not compile matches nothing', () => {
    assert.equal(eventMatches(filters('('), 'n1', services), false);
  });

  it('validates like Consul: name required, tag needs service, regexes must compile, _ is reserved', () => {
    assert.throws(() => validateUserEvent(request({ name: '' })), /User event missing name/);
    assert.throws(() => validateUserEvent(request({ tagFilter: 'x' })), /Cannot provide tag filter without service filter/);
    assert.throws(() => validateUserEvent(request({ nodeFilter: '(' })), /Invalid node filter/);
    assert.throws(() => validateUserEvent(request({ serviceFilter: '[' })), /Invalid service filter/);
    assert.throws(() => validateUserEvent(request({ name: '_rexec' })), /reserved/);
    validateUserEvent(request({ serviceFilter: 'web', tagFilter: 'v1' }));
  });
});

describe('agent event ring', () => {
  function setup(ringSize = 256, nodeName = 'n1') {
    const listeners: ((e: SerfUserEvent) => void)[] = [];
    let ltime = 0;
    const fired: string[] = [];
    const events = new AgentEvents({
      serf: {
        userEvent: (name, payload, coalesce) => {
          fired.push(name);
          for (const l of listeners) l({ ltime: ltime++, name, payload, coalesce });
        },
        onUserEvent: (l) => listeners.push(l),
      },
      nodeName,
      services: () => services,
      random: seededRandom(1),
      logger: silentLogger(),
      ringSize,
    });
    return { events, fired, deliver: (e: SerfUserEvent) => listeners.forEach((l) => l(e)) };
  }

  it('fires under the consul:event: prefix and records what comes back, with its LTime', () => {
    const { events, fired } = setup();
    const view = events.fire(request({ payload: new TextEncoder().encode('v1.2') }));
    assert.deepEqual(fired, ['consul:event:deploy']);
    assert.equal(view.LTime, 0);
    assert.equal(view.Payload, Buffer.from('v1.2').toString('base64'));
    assert.equal(view.Version, 1);
    const [listed] = events.list();
    assert.equal(listed?.ID, view.ID);
    assert.equal(listed?.Name, 'deploy');
    assert.equal(listed?.Payload, view.Payload);
  });

  it('an empty payload is null, as Go encodes a nil []byte', () => {
    const { events } = setup();
    assert.equal(events.fire(request()).Payload, null);
  });

  it('drops events whose filters do not match this agent, and serf events that are not Consul events', () => {
    const { events, deliver } = setup();
    events.fire(request({ nodeFilter: '^other$' }));
    events.fire(request({ serviceFilter: 'cache' }));
    deliver({ ltime: 9, name: 'member-intent', payload: new Uint8Array([1]), coalesce: false });
    deliver({ ltime: 10, name: 'consul:event:garbage', payload: new Uint8Array([0xc1]), coalesce: false });
    assert.equal(events.list().length, 0);
  });

  it('keeps only the last N events, oldest first', () => {
    const { events } = setup(3);
    for (const n of ['a', 'b', 'c', 'd', 'e']) events.fire(request({ name: n }));
    assert.deepEqual(events.list().map((e) => e.Name), ['c', 'd', 'e']);
  });

  it('changed() resolves on the next recorded event only', async () => {
    const { events } = setup();
    let woke = false;
    const waiting = events.changed().then(() => (woke = true));
    events.fire(request({ nodeFilter: 'nobody' }));
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, false, 'a filtered-out event is not a change');
    events.fire(request());
    await waiting;
    assert.equal(woke, true);
  });

  it('the list index is Consul uuidToUint64 of the last ID, 1 when empty', () => {
    assert.equal(eventListIndex([]), 1n);
    // high 64 bits XOR low 64 bits
    assert.equal(eventListIndex([{ ID: '00000000-0000-0001-0000-000000000003' }]), 2n);
    assert.equal(eventListIndex([{ ID: 'ffffffff-ffff-ffff-0000-000000000000' }]), 0xffffffffffffffffn);
  });
});
