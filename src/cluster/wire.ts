/**
 * A publication's body as it crosses the engine: its target rooms and the namespace's encoded
 * packet without the closing `]`, to which each receiving node appends the position (the
 * Socket.IO offset argument) once for all its sockets. No JSON is parsed or written on the
 * receiving side for the usual publication (one room, no exceptions).
 *
 *   one room, no exceptions:  `1` <room length> `:` <room> <packet text>
 *   anything else:           `J` <json length> `:` JSON [rooms, except] <packet text>
 *
 * The packet text starts with `2` (an EVENT) and, outside `/`, the namespace: `2/internal,[…`.
 */
export interface Targets {
  /** Empty: every socket of the namespace. */
  rooms: string[];
  except: string[];
}

export interface DecodedBody extends Targets {
  nsp: string;
  /** The encoded EVENT packet without its closing `]`. */
  text: string;
}

export function encodeBody(rooms: readonly string[], except: readonly string[], text: string): string {
  if (rooms.length === 1 && except.length === 0) return `1${rooms[0].length}:${rooms[0]}${text}`;
  const json = JSON.stringify([rooms, except]);
  return `J${json.length}:${json}${text}`;
}

export function decodeBody(body: string): DecodedBody | undefined {
  const colon = body.indexOf(':', 1);
  const length = Number(body.slice(1, colon));
  if (colon < 0 || !Number.isInteger(length) || length < 0) return undefined;
  const start = colon + 1;
  const part = body.slice(start, start + length);
  const text = body.slice(start + length);
  let targets: Targets;
  if (body[0] === '1') targets = { rooms: [part], except: [] };
  else if (body[0] === 'J') {
    const parsed = JSON.parse(part) as [string[], string[]];
    targets = { rooms: parsed[0], except: parsed[1] };
  } else return undefined;
  return { ...targets, nsp: namespaceOf(text), text };
}

/** `2[…` is `/`; `2/name,[…` is `/name`. */
export function namespaceOf(text: string): string {
  return text[1] === '/' ? text.slice(1, text.indexOf(',')) : '/';
}

/** The text of a packet's data array without the closing `]`, ready for an offset argument. */
export function openPacket(encoded: string): string {
  return encoded.slice(0, -1);
}

/** Closes an open packet with its offset argument (JSON string: offsets hold no quote or backslash). */
export function closePacket(open: string, offset: string): string {
  return `${open},"${offset}"]`;
}
