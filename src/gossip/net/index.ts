/** Public surface of the gossip network layer. */
export { DEFAULT_MTU, WIRE_VERSION, decodePacket, packMessages } from './codec.js';
export { GossipAuthError, GossipDecodeError, type DecodeReason } from './errors.js';
export { Keyring, encodeKey, parseKey } from './keyring.js';
export { SEAL_OVERHEAD, keyringCipher, open, seal, type PayloadCipher } from './security.js';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './stream-codec.js';
export { FramedConn, type StreamOptions } from './framed-conn.js';
export { UdpTransport, type PacketTransport, type PacketHandler } from './udp-transport.js';
export { TcpTransport, type StreamTransport, type StreamTransportOptions } from './tcp-transport.js';
export { GossipWire, type GossipWireOptions, type MessageHandler, type WireCounters } from './wire.js';
export { formatAddr, parseAddr, type HostPort } from './address.js';
export { LABEL_MAGIC, MAX_LABEL_BYTES, addLabel, stripLabel } from './label.js';
