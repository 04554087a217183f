import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { buildManPages, manField } from '../../../src/cli/man-pages.js';
import { roffEscape } from '../../../src/cli/man-page.js';
import { assertBuilt, ROOT } from './run-cli.js';

const STALE = 'run `npm run man` and commit man/ and package.json';

describe('man pages', () => {
  let pages: Map<string, string>;
  let config: Config;
  before(async () => {
    assertBuilt();
    pages = await buildManPages(ROOT);
    config = await Config.load(ROOT);
  });

  test('every generated page is in man/ and identical', () => {
    for (const [file, text] of pages) {
      const path = join(ROOT, 'man', file);
      assert.ok(existsSync(path), `man/${file} is missing: ${STALE}`);
      assert.equal(readFileSync(path, 'utf8'), text, `man/${file} is stale: ${STALE}`);
    }
  });

  test('man/ holds no page for a command that no longer exists', () => {
    const extra = readdirSync(join(ROOT, 'man')).filter((f) => f.endsWith('.1') && !pages.has(f));
    assert.deepEqual(extra, [], `man/ has pages for unknown commands: ${STALE}`);
  });

  test('package.json "man" lists exactly the pages', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man?: unknown };
    assert.deepEqual(pkg.man, manField(pages, 'roster'), `package.json "man" is stale: ${STALE}`);
  });

  test('there is a page for the CLI and one per command, each with the standard sections', () => {
    const commands = config.commands.filter((c) => !c.hidden);
    assert.ok(commands.length >= 14);
    assert.equal(pages.size, commands.length + 1);
    for (const cmd of commands) {
      const page = pages.get(`roster-${cmd.id.split(':').join('-')}.1`);
      assert.ok(page, `no page for ${cmd.id}`);
      for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES', 'EXIT STATUS', 'ENVIRONMENT']) {
        assert.ok(page.includes(`\n.SH ${section}\n`), `${cmd.id}: no ${section} section`);
      }
      // Every flag the command accepts, base flags included, is documented.
      for (const flag of Object.values(cmd.flags).filter((f) => !f.hidden)) {
        assert.ok(page.includes(`\\fB${roffEscape(`--${flag.name}`)}\\fR`), `${cmd.id}: --${flag.name} missing from OPTIONS`);
      }
      assert.ok(!page.includes('<%'), `${cmd.id}: unrendered template`);
    }
  });

  test('command-specific content reaches the page', () => {
    const members = pages.get('roster-members.1') ?? '';
    assert.match(members, /\.TP\n\\fB2\\fR\nNo member matched the \\-status filter/);
    assert.match(members, /\n\.nf\nroster members \\-status=alive\n\.fi\n/);
    const kvGet = pages.get('roster-kv-get.1') ?? '';
    assert.match(kvGet, /^\.SH SYNOPSIS\n\\fBroster kv get\\fR \[\\fIKEY\\fR\] \[\\fIOPTIONS\\fR\]$/m);
    assert.match(kvGet, /\\fBCONSUL_HTTP_ADDR\\fR/);
    const index = pages.get('roster.1') ?? '';
    for (const cmd of config.commands) assert.ok(index.includes(`\\fBroster ${cmd.id.split(':').join(' ').replace(/-/g, '\\-')}\\fR`), cmd.id);
  });

  test('groff renders every page without warnings', { skip: spawnSync('groff', ['--version']).status !== 0 && 'groff not installed' }, () => {
    for (const [file, text] of pages) {
      const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, file);
      assert.equal(r.stderr, '', `${file}: ${r.stderr}`);
    }
  });
});
