import { Decoder, Encoder } from 'socket.io-parser';

/**
 * The Socket.IO parser with binary attachments refused (docs/protocol.md §2.3: no event takes binary).
 *
 * The stock decoder keeps every attachment of a binary packet in memory until the last one
 * arrives (up to 10 of SOCKETIO_MAX_BUFFER_SIZE each, for as long as the connection lives). With
 * `maxAttachments: 0` the packet's header is refused as it is decoded, before any attachment is
 * read: Socket.IO then closes the transport, so nothing of it is ever buffered. Outbound packets
 * are encoded as usual.
 */
class NoBinaryDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: 0 });
  }
}

export const noBinaryParser = { Encoder, Decoder: NoBinaryDecoder };
