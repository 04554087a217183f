/** Vivaldi network coordinates (pure). */
export * from './coordinate.js';
export { VivaldiClient, MAX_RTT_SECONDS } from './client.js';
export { encodePingPayload, decodePingPayload, PING_PAYLOAD_VERSION } from './codec.js';
export { CoordinateTracker } from './tracker.js';
