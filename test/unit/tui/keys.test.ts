import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialUi, onKey, splitKeys, type KeyContext, type KeyInfo, type UiState } from '../../../src/tui/keys.js';

const ctx: KeyContext = { memberCount: 50, serviceCount: 4, eventCount: 30, pageSize: 10, wanAvailable: true };
const press = (ui: UiState, input: string, key: KeyInfo = {}, c: KeyContext = ctx) => onKey(ui, input, key, c);
const run = (keys: [string, KeyInfo?][], ui: UiState = initialUi, c: KeyContext = ctx): UiState =>
  keys.reduce((u, [input, key]) => press(u, input, key ?? {}, c).ui, ui);

describe('monitor key bindings', () => {
  it('q and Ctrl-C quit; q inside the filter is text, Ctrl-C still quits', () => {
    assert.equal(press(initialUi, 'q').quit, true);
    assert.equal(press(initialUi, 'c', { ctrl: true }).quit, true);
    const filtering = run([['/']]);
    assert.equal(press(filtering, 'q').quit, undefined);
    assert.equal(press(filtering, 'q').ui.filter, 'q');
    assert.equal(press(filtering, 'c', { ctrl: true }).quit, true);
  });

  it('arrows and j/k move within bounds; pages, g and G jump', () => {
    assert.equal(run([['j'], ['j'], ['', { downArrow: true }]]).selected, 3);
    assert.equal(run([['k']]).selected, 0);
    assert.equal(run([['', { pageDown: true }], ['', { pageDown: true }], ['', { pageUp: true }]]).selected, 10);
    assert.equal(run([['G']]).selected, 49);
    assert.equal(run([['G'], ['j']]).selected, 49);
    assert.equal(run([['G'], ['g']]).selected, 0);
    assert.equal(run([['j']], initialUi, { ...ctx, memberCount: 0 }).selected, 0);
  });

  it('Tab cycles the panes, Shift-Tab goes back; movement follows the focused pane', () => {
    assert.equal(run([['', { tab: true }]]).pane, 'services');
    assert.equal(run([['', { tab: true }], ['', { tab: true }], ['', { tab: true }], ['', { tab: true }]]).pane, 'members');
    assert.equal(run([['', { tab: true, shift: true }]]).pane, 'raft');
    const services = run([['', { tab: true }], ['j'], ['j'], ['j'], ['j'], ['j']]);
    assert.equal(services.serviceSelected, 3);
    assert.equal(services.selected, 0);
    const events = run([['', { tab: true }], ['', { tab: true }], ['k'], ['k'], ['j']]);
    assert.equal(events.eventsBack, 1, 'up scrolls back in time');
  });

  it('Enter toggles the detail of the selected member; Esc closes it', () => {
    const open = run([['j'], ['', { return: true }]]);
    assert.equal(open.detail, true);
    assert.equal(run([['', { escape: true }]], open).detail, false);
    assert.equal(run([['', { return: true }]], open).detail, false);
    assert.equal(run([['', { return: true }]], initialUi, { ...ctx, memberCount: 0 }).detail, false);
  });

  it('/ edits a filter: typing, Backspace, Enter keeps it, Esc clears it', () => {
    const typed = run([['j'], ['/'], ['w'], ['e'], ['b'], ['x'], ['', { backspace: true }]]);
    assert.equal(typed.filtering, true);
    assert.equal(typed.filter, 'web');
    assert.equal(typed.selected, 0, 'a new filter starts at the top');
    const kept = run([['', { return: true }]], typed);
    assert.deepEqual([kept.filtering, kept.filter], [false, 'web']);
    assert.deepEqual([run([['', { escape: true }]], typed).filter, run([['', { escape: true }]], kept).filter], ['', '']);
    assert.equal(run([['\u0001']], typed).filter, 'web', 'control characters are not typed');
  });

  it('w toggles LAN and WAN where there is a WAN pool', () => {
    assert.equal(run([['w']]).tab, 'wan');
    assert.equal(run([['w'], ['w']]).tab, 'lan');
    assert.equal(run([['w']], initialUi, { ...ctx, wanAvailable: false }).tab, 'lan');
  });

  it('s cycles the sort key, S reverses', () => {
    assert.deepEqual([run([['s']]).sort, run([['s'], ['s']]).sort], ['name', 'status']);
    assert.equal(run([['S']]).reverse, true);
  });

  it('? opens the help; any key closes it, q still quits', () => {
    const help = run([['?']]);
    assert.equal(help.help, true);
    assert.equal(run([['j']], help).help, false);
    assert.equal(run([['j']], help).selected, 0, 'the closing key does nothing else');
    assert.equal(press(help, 'q').quit, true);
  });

  it('splits keys that arrived together', () => {
    assert.deepEqual(splitKeys('/ab\r\t\u007fq\u001b'), [
      ['/', {}], ['a', {}], ['b', {}], ['', { return: true }], ['', { tab: true }], ['', { backspace: true }], ['q', {}], ['', { escape: true }],
    ]);
  });
});
