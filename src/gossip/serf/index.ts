/** Public surface of the Serf layer. */
export { LamportClock } from './lamport.js';
export { EventBuffer, type AcceptResult, type BufferedUserEvent } from './event-buffer.js';
export { Serf, checkUserEventSize, DEFAULT_EVENT_BUFFER, USER_EVENT_SIZE_LIMIT, type SerfOptions, type SerfUserEvent } from './serf.js';
export { Snapshotter, replaySnapshot, type SnapshotState, type SnapshotterOptions } from './snapshot.js';
export { decodeSerfMessage, encodeUserEvent, decodePushPull, encodePushPull, SerfMessageError } from './messages.js';
