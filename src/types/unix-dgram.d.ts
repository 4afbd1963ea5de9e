/**
 * Types for `unix-dgram` 2.x (CommonJS, native; it ships no declarations): AF_UNIX SOCK_DGRAM sockets,
 * which Node's own `dgram` lacks. Only what pintu uses. Events and callbacks fire synchronously.
 */
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  /** Called once per send; `err` is set on failure (an errno error, or code 1 "congestion" when the peer's queue is full). */
  export type SendCallback = (err?: Error & { code?: number | string }) => void;

  /** Sender information of a received datagram. */
  export interface ReceiveInfo {
    /** Length of the datagram in bytes. */
    size: number;
    /** Sender's bound path, if it had one. */
    path?: string;
  }

  /** A unix datagram socket. Emits `message`, `error`, `listening`, `connect`, `congestion`, `writable`. */
  export interface UnixDgramSocket extends EventEmitter {
    /** The socket's file descriptor (-1 after close). Non-blocking and close-on-exec. */
    fd: number;
    /** Set by `connect()`; while true, `send(buf, cb)` sends to the connected peer. */
    connected?: boolean;
    /** Bind to a filesystem path (the native code copies it with strncpy: no abstract names). */
    bind(path: string): void;
    /** Connect to a filesystem path (same limitation as `bind`). */
    connect(path: string): void;
    /** Send to the connected peer. */
    send(buf: Buffer, callback?: SendCallback): void;
    /** Send `buf[offset, offset+length)` to the socket bound at `path`. */
    send(buf: Buffer, offset: number, length: number, path: string, callback?: SendCallback): void;
    /** Close the descriptor and stop polling it (a bound path is not unlinked). */
    close(): void;
  }

  /** Create a socket; `type` must be `unix_dgram`. `listener` is added for `message` events. */
  export function createSocket(type: 'unix_dgram', listener?: (msg: Buffer, rinfo: ReceiveInfo) => void): UnixDgramSocket;

  /** The module object (CommonJS `module.exports`). */
  const unixDgram: { createSocket: typeof createSocket };
  export default unixDgram;
}
