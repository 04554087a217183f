import { Packr } from 'msgpackr';
import { AppError } from '../shared/errors.js';
import type { CatalogCommand } from './commands.js';
import type { StoreSnapshot } from './store.js';

/**
 * How catalog commands and snapshots are written into the Raft log and snapshot files. The first
 * byte is a format version: a server that meets a version it does not know stops applying rather
 * than guess (replicas must never diverge), which is what makes rolling upgrades detectable.
 */
const COMMAND_V1 = 1;
const SNAPSHOT_V1 = 1;

// Plain structures only: records as maps of strings, no msgpackr extensions, so the bytes are
// the same whatever process wrote them.
const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeCommand(command: CatalogCommand): Uint8Array {
  const body = packr.pack(command);
  const out = new Uint8Array(body.length + 1);
  out[0] = COMMAND_V1;
  out.set(body, 1);
  return out;
}

export function decodeCommand(data: Uint8Array): CatalogCommand {
  if (data[0] !== COMMAND_V1) {
    throw new AppError('INTERNAL', `unknown catalog command format ${String(data[0])} in the Raft log (written by a newer version?)`);
  }
  return packr.unpack(data.subarray(1)) as CatalogCommand;
}

export function encodeSnapshot(snapshot: StoreSnapshot): Uint8Array {
  const body = packr.pack(snapshot);
  const out = new Uint8Array(body.length + 1);
  out[0] = SNAPSHOT_V1;
  out.set(body, 1);
  return out;
}

export function decodeSnapshot(data: Uint8Array): StoreSnapshot {
  if (data[0] !== SNAPSHOT_V1) {
    throw new AppError('INTERNAL', `unknown catalog snapshot format ${String(data[0])} (written by a newer version?)`);
  }
  return packr.unpack(data.subarray(1)) as StoreSnapshot;
}
