import { decodeSnapshotArchive, encodeSnapshotArchive, DEFAULT_MAX_SNAPSHOT_DATA_BYTES } from '../../shared/snapshot-archive.js';
import { emptyReply, rawReply, type HttpDeps } from '../context.js';
import { checkDatacenter } from '../read.js';
import type { Router } from '../router.js';
import { requireOperator, staleParam } from './operator.js';

/**
 * /v1/snapshot: GET saves the catalog as a snapshot archive (src/shared/snapshot-archive.ts),
 * PUT restores one. The archive is verified before the server sees it, so a truncated or
 * corrupt file is a 400 and never reaches Raft.
 */

/**
 * Largest archive PUT accepts. The whole body is held in memory (and then the state it
 * decodes to), so this is a guard against a runaway upload, far above any real catalog.
 */
export const SNAPSHOT_MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

export function registerSnapshotRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/snapshot', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const stale = staleParam(ctx.query);
    const snapshot = await requireOperator(deps).saveSnapshot({ stale });
    const archive = encodeSnapshotArchive(snapshot);
    return rawReply(archive, {
      contentType: 'application/gzip',
      headers: {
        'X-Consul-Index': String(snapshot.index),
        'X-Consul-KnownLeader': String(deps.log.hasLeader()),
        'X-Consul-LastContact': String(Math.max(0, Math.round(deps.log.lastContactMs()))),
        'Content-Disposition': `attachment; filename="roster-${snapshot.index}.snap"`,
      },
    });
  });

  router.put('/v1/snapshot', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const operator = requireOperator(deps);
    const body = await ctx.body(SNAPSHOT_MAX_ARCHIVE_BYTES, (limit) => `Snapshot archive too large, max size: ${limit} bytes`);
    const { data } = decodeSnapshotArchive(body, { maxDataBytes: DEFAULT_MAX_SNAPSHOT_DATA_BYTES });
    await operator.restoreSnapshot(data);
    return emptyReply();
  });
}
