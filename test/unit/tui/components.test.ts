// Each pane rendered on its own: props in, text out (ink-testing-library, no terminal).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createElement as h } from 'react';
import { cleanup, render } from 'ink-testing-library';
import { Banner } from '../../../src/tui/components/Banner.js';
import { EventLog } from '../../../src/tui/components/EventLog.js';
import { Footer } from '../../../src/tui/components/Footer.js';
import { Header } from '../../../src/tui/components/Header.js';
import { Help } from '../../../src/tui/components/Help.js';
import { MemberList } from '../../../src/tui/components/MemberList.js';
import { NodeDetail } from '../../../src/tui/components/NodeDetail.js';
import { RaftPane } from '../../../src/tui/components/RaftPane.js';
import { ServicesPane } from '../../../src/tui/components/ServicesPane.js';
import { initialUi } from '../../../src/tui/keys.js';
import type { EventLine } from '../../../src/tui/model.js';
import { formatClock } from '../../../src/tui/view.js';
import { clients, member, raftView, servers, T0 } from './fixtures.js';

afterEach(() => cleanup());

const text = (el: Parameters<typeof render>[0]): string => render(el).lastFrame() ?? '';
const raft = raftView('s1', ['s1', 's2', 's3']);
const listProps = {
  rows: [...servers, ...clients],
  total: 5,
  selected: 0,
  top: 0,
  height: 10,
  width: 100,
  raft,
  now: T0,
  focused: true,
  tab: 'lan' as const,
  filter: '',
  sort: 'role' as const,
  reverse: false,
};

describe('monitor components', () => {
  it('Header: agent, connection, counts by status, leader and term', () => {
    const out = text(
      h(Header, {
        self: { name: 's1', datacenter: 'dc1', server: true },
        address: '127.0.0.1:8502',
        connection: { status: 'live', since: T0 },
        tab: 'lan',
        counts: { alive: 3, suspect: 0, failed: 1, left: 1 },
        raft,
      }),
    );
    assert.match(out, /s1 \(server, dc1\) · live · LAN 5 members 3 alive 1 failed 1 left · leader s1 term 3/);
    const unreachable = text(h(Header, { self: null, address: '10.0.0.1:8502', connection: { status: 'unreachable', attempt: 1, error: 'x', retryAt: 0, since: 0 }, tab: 'wan', counts: { alive: 0, suspect: 0, failed: 0, left: 0 }, raft: null }));
    assert.match(unreachable, /10\.0\.0\.1:8502 · unreachable · WAN 0 members/);
    assert.doesNotMatch(unreachable, /leader/);
  });

  it('Banner: nothing while live; the error, since when and the retry countdown when unreachable', () => {
    assert.equal(text(h(Banner, { connection: { status: 'live', since: T0 }, address: 'a:8502', now: T0, hadData: true })), '');
    assert.match(text(h(Banner, { connection: { status: 'connecting', attempt: 1 }, address: 'a:8502', now: T0, hadData: false })), /Connecting to the agent at a:8502/);
    const out = text(
      h(Banner, {
        connection: { status: 'unreachable', attempt: 3, error: 'connection refused by a:8502', retryAt: T0 + 2_000, since: T0 - 5_000 },
        address: 'a:8502',
        now: T0,
        hadData: true,
      }),
    );
    assert.match(out, /Agent unreachable at a:8502 for 5s: connection refused by a:8502/);
    assert.match(out, /Retrying in 2s \(attempt 3\)\. Showing the last known state\./);
  });

  it('MemberList: a row per member with status, role (leader marked), dc, build, age', () => {
    const out = text(h(MemberList, { ...listProps, rows: [...listProps.rows, member('c6', { status: 'failed', since: T0 - 3_000 })], total: 6 }));
    assert.match(out, /LAN members 6/);
    assert.match(out, /›s1\s+127\.0\.0\.1:8301\s+alive\s+leader\*\s+dc1\s+0\.1\.0\s+1m/);
    assert.match(out, / s2\s+127\.0\.0\.2:8301\s+alive\s+server/);
    assert.match(out, / c6\s+127\.0\.0\.6:8301\s+failed\s+client\s+dc1\s+0\.1\.0\s+3s/);
  });

  it('MemberList: with 1000 members only the visible window is rendered', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => member(`node-${String(i).padStart(4, '0')}`));
    const out = text(h(MemberList, { ...listProps, rows, total: 1000, selected: 500, top: 0, height: 15 }));
    const shown = out.split('\n').filter((l) => /node-\d{4}/.test(l));
    assert.equal(shown.length, 15);
    assert.match(shown.at(-1) ?? '', /›node-0500/);
    assert.match(out, /\[487-501 of 1000\]/);
  });

  it('MemberList: says why it is empty, and shows the filter', () => {
    assert.match(text(h(MemberList, { ...listProps, rows: [], total: 0 })), /no members yet/);
    const out = text(h(MemberList, { ...listProps, rows: [], total: 5, filter: 'zz' }));
    assert.match(out, /0\/5 matching "zz"/);
    assert.match(out, /no member matches the filter/);
  });

  it('RaftPane: leader, term, indexes and each server with match, lag and contact', () => {
    const out = text(h(RaftPane, { raft, client: false, focused: false, width: 80 }));
    assert.match(out, /Raft\s+leader s1 term 3 · this server: leader/);
    assert.match(out, /commit 40 · applied 40 · last index 42/);
    assert.match(out, /\*s1\s+127\.0\.0\.1:8300\s+yes\s+40\s+2\s+0ms/);
    assert.match(out, / s2\s+127\.0\.0\.2:8300\s+yes\s+40\s+2\s+50ms/);
    const follower = text(h(RaftPane, { raft: raftView('', ['s2', 's1'], { role: 'follower', lastContactMs: 1500, servers: raft.servers.map((s) => ({ ...s, leader: false, match: null, lastContactMs: null })) }), client: false, focused: false, width: 80 }));
    assert.match(follower, /leader none/);
    assert.match(follower, /last contact 1\.5s/);
    assert.match(text(h(RaftPane, { raft: null, client: true, focused: false, width: 80 })), /this agent is a client/);
  });

  it('ServicesPane: each service with passing, warning and critical counts', () => {
    const out = text(
      h(ServicesPane, {
        services: [
          { name: 'web', tags: [], passing: 3, warning: 1, critical: 0 },
          { name: 'db', tags: [], passing: 0, warning: 0, critical: 2 },
        ],
        selected: 0,
        height: 5,
        width: 60,
        focused: true,
        error: null,
      }),
    );
    assert.match(out, /Services 2/);
    assert.match(out, /web\s+3\s+1\s+0/);
    assert.match(out, /db\s+0\s+0\s+2/);
    assert.match(text(h(ServicesPane, { services: null, selected: 0, height: 5, width: 60, focused: false, error: null })), /loading/);
    assert.match(text(h(ServicesPane, { services: [], selected: 0, height: 5, width: 60, focused: false, error: 'HTTP: refused' })), /HTTP: refused[\s\S]*no services/);
  });

  it('NodeDetail: the node, its node checks, its services each with their checks', () => {
    const out = text(
      h(NodeDetail, {
        member: member('c4'),
        role: 'client',
        services: [{ ID: 'web-1', Service: 'web', Tags: ['v1'], Address: '', Port: 8080 }],
        checks: [
          { Node: 'c4', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', ServiceID: '', ServiceName: '' },
          { Node: 'c4', CheckID: 'service:web-1', Name: 'web http', Status: 'critical', ServiceID: 'web-1', ServiceName: 'web', Output: 'connection refused' },
        ],
        height: 20,
        width: 90,
      }),
    );
    assert.match(out, /c4\s+alive · client · 127\.0\.0\.4:8301 · incarnation 1/);
    assert.match(out, /passing\s+Serf Health Status/);
    assert.match(out, /web \(web-1\) 127\.0\.0\.4:8080 \[v1\]/);
    assert.match(out, /critical\s+web http connection refused/);
    assert.match(text(h(NodeDetail, { member: member('c4'), role: 'client', services: 'absent', checks: [], height: 20, width: 90 })), /not in the catalog/);
    assert.match(text(h(NodeDetail, { member: member('c4'), role: 'client', services: null, checks: [], height: 20, width: 90 })), /loading services/);
  });

  it('EventLog: the newest lines with their times, or older ones when scrolled back', () => {
    const events: EventLine[] = Array.from({ length: 8 }, (_, i) => ({ at: T0 + i * 1000, kind: 'join', level: 'info', text: `n${i} joined` }));
    const out = text(h(EventLog, { events, back: 0, height: 3, focused: false }));
    assert.deepEqual(out.split('\n').slice(1).map((l) => l.trim()), [5, 6, 7].map((i) => `${formatClock(T0 + i * 1000)} n${i} joined`));
    const back = text(h(EventLog, { events, back: 2, height: 3, focused: true }));
    assert.match(back, /2 newer below/);
    assert.match(back, /n5 joined$/m);
    assert.match(text(h(EventLog, { events: [], back: 0, height: 3, focused: false })), /nothing yet/);
  });

  it('Footer: key hints, a note, or the filter being typed', () => {
    assert.match(text(h(Footer, { ui: initialUi })), /Tab pane · Enter detail · \/ filter · s sort · w WAN · \? help · q quit/);
    assert.match(text(h(Footer, { ui: { ...initialUi, tab: 'wan', filter: 'web' }, note: 'no WAN pool' })), /no WAN pool · .*\/ filter "web".*w LAN/);
    assert.match(text(h(Footer, { ui: { ...initialUi, filtering: true, filter: 'ro' } })), /^\/ro\s+Enter keep · Esc clear/);
  });

  it('Help: every binding', () => {
    const out = text(h(Help));
    for (const binding of ['j k', 'Tab', 'Enter', '/', 's  S', 'w', '?', 'q  Ctrl-C']) assert.ok(out.includes(binding), binding);
  });
});
