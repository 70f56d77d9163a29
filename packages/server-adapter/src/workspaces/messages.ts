/**
 * Reading and writing y-websocket messages. The framing (a varUint message
 * type, then the payload) and every payload encoding are y-protocols' and
 * lib0's; this module only decides what a well-formed message from a client
 * is, and turns anything else into a {@link WorkspaceViolation}.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import { CloseCode, ErrorCode, WorkspaceMessage } from '@parley/sdk/protocol';
import type { CloseReason } from '@parley/sdk/protocol';

/** Why a workspace socket must be closed: its close code and the reason it carries. */
export class WorkspaceViolation extends Error {
  override readonly name = 'WorkspaceViolation';
  readonly closeCode: number;
  readonly reason: CloseReason;

  /** Creates a violation that closes the socket with `closeCode` and `reason`. */
  constructor(closeCode: number, reason: CloseReason, message: string) {
    super(message);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

/** A malformed, truncated or unexpected message: close 4000. */
export function protocolViolation(message: string): WorkspaceViolation {
  return new WorkspaceViolation(CloseCode.ProtocolError, { code: ErrorCode.BadRequest }, message);
}

/** A message or document over its size limit: close 4413 (final). */
export function tooLarge(code: typeof ErrorCode.FrameTooLarge | typeof ErrorCode.DocumentTooLarge, message: string): WorkspaceViolation {
  return new WorkspaceViolation(CloseCode.WorkspaceTooLarge, { code }, message);
}

/** An update or document that takes longer to merge or load than its budget: close 4422 (final). */
export function tooComplex(code: typeof ErrorCode.UpdateTooComplex | typeof ErrorCode.DocumentTooComplex, message: string): WorkspaceViolation {
  return new WorkspaceViolation(CloseCode.WorkspaceTooComplex, { code }, message);
}

/** One message from a client, decoded as far as the socket needs. */
export type InboundMessage =
  /** Sync step 1: the client's state vector; answered with step 2. */
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  /** Sync step 2 or a live update: changes to the document. */
  | { kind: 'sync-update'; update: Uint8Array }
  /** An awareness update (still encoded). */
  | { kind: 'awareness'; update: Uint8Array }
  /** A request for every awareness state. */
  | { kind: 'query-awareness' };

/**
 * Decodes a client message. `bytes` must be a copy the socket owns: views
 * returned here point into it. Throws {@link WorkspaceViolation} for
 * anything malformed, truncated, carrying trailing bytes or of a type clients
 * do not send.
 */
export function parseInbound(bytes: Uint8Array): InboundMessage {
  const decoder = decoding.createDecoder(bytes);
  let message: InboundMessage;
  try {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case WorkspaceMessage.Sync:
        message = parseSync(decoder);
        break;
      case WorkspaceMessage.Awareness:
        message = { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
        break;
      case WorkspaceMessage.QueryAwareness:
        message = { kind: 'query-awareness' };
        break;
      default:
        throw protocolViolation(`unknown message type ${type}`);
    }
  } catch (error) {
    if (error instanceof WorkspaceViolation) throw error;
    throw protocolViolation('truncated or malformed message');
  }
  if (decoding.hasContent(decoder)) throw protocolViolation('trailing bytes after the message');
  return message;
}

function parseSync(decoder: decoding.Decoder): InboundMessage {
  const step = decoding.readVarUint(decoder);
  switch (step) {
    case syncProtocol.messageYjsSyncStep1:
      return { kind: 'sync-step1', stateVector: decoding.readVarUint8Array(decoder) };
    case syncProtocol.messageYjsSyncStep2:
    case syncProtocol.messageYjsUpdate:
      return { kind: 'sync-update', update: decoding.readVarUint8Array(decoder) };
    default:
      throw protocolViolation(`unknown sync message ${step}`);
  }
}

/** Wraps an encoder body in a message of `type`. */
function message(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** Sync step 1 with the server's state vector (the client answers with what the server lacks). */
export function syncStep1Message(stateVector: Uint8Array): Uint8Array {
  return message(WorkspaceMessage.Sync, (e) => {
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
    encoding.writeVarUint8Array(e, stateVector);
  });
}

/** Sync step 2 carrying `update` (what the client lacks). */
export function syncStep2Message(update: Uint8Array): Uint8Array {
  return message(WorkspaceMessage.Sync, (e) => {
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(e, update);
  });
}

/** A live document update for the other clients. */
export function updateMessage(update: Uint8Array): Uint8Array {
  return message(WorkspaceMessage.Sync, (e) => syncProtocol.writeUpdate(e, update));
}

/** An awareness update (already encoded by y-protocols). */
export function awarenessMessage(update: Uint8Array): Uint8Array {
  return message(WorkspaceMessage.Awareness, (e) => encoding.writeVarUint8Array(e, update));
}

/** The y-protocols `permission denied` message. */
export function permissionDeniedMessage(reason: string): Uint8Array {
  return message(WorkspaceMessage.Auth, (e) => authProtocol.writePermissionDenied(e, reason));
}

/** Parley's ack: the first `handled` sync step 2 / update messages of this socket are handled. */
export function ackMessage(handled: number): Uint8Array {
  return message(WorkspaceMessage.Ack, (e) => encoding.writeVarUint(e, handled));
}
