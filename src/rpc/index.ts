export { RpcDecodeError, type RpcDecodeReason } from './errors.js';
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SERVER_PORT, joinHostPort } from './grpc-util.js';
export { RAFT_WIRE_VERSION, decodeBatch, encodeBatch } from './raft-codec.js';
export {
  GrpcRaftTransport,
  RaftService,
  SNAPSHOT_CHUNK_BYTES,
  raftServiceDefinition,
  type GrpcRaftTransportOptions,
  type RaftServiceOptions,
  type RaftServiceStats,
  type RaftTransportStats,
} from './raft-transport.js';
export {
  DEFAULT_RPC_TIMEOUT_MS,
  RPC_WIRE_VERSION,
  ServerRpcClient,
  ServerRpcService,
  serverRpcServiceDefinition,
  type RpcCallOptions,
  type RpcContext,
  type RpcHandler,
  type ServerRpcClientOptions,
} from './server-rpc.js';
export { RpcServer, type RpcServerOptions } from './server.js';
