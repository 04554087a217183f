/** Public surface of the pure SWIM core. */
export * from './types.js';
export * from './messages.js';
export * from './config.js';
export * from './effects.js';
export * from './scaling.js';
export { Suspicion } from './suspicion.js';
export { Awareness } from './awareness.js';
export { BroadcastQueue } from './broadcast-queue.js';
export { Swim, type SwimOptions } from './swim.js';
export { reapAt, membersToReap, nextReapable } from './reaper.js';
