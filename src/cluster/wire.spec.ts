import { closePacket, decodeBody, encodeBody, namespaceOf, openPacket } from './wire.js';

describe('encodeBody / decodeBody', () => {
  it.each<[string, string[], string[]]>([
    ['one room', ['user:alice'], []],
    ['one room with separators in its name', ['user:a:b:12{x}"\n'], []],
    ['several rooms', ['chat:1', 'user:bob'], []],
    ['exceptions', ['chat:1'], ['sid-1', 'user:carol']],
    ['every socket', [], ['sid-2']],
  ])('gives back the targets and the packet: %s', (_label, rooms, except) => {
    const text = '2["message:new",{"chatId":"1","content":"a:b"}';
    expect(decodeBody(encodeBody(rooms, except, text))).toEqual({ rooms, except, nsp: '/', text });
  });

  it('reads the namespace from the packet text', () => {
    const text = '2/internal,["session:expired",{}';
    expect(decodeBody(encodeBody(['svc:a'], [], text))?.nsp).toBe('/internal');
    expect(namespaceOf('2["x",1')).toBe('/');
  });

  it('refuses what it did not write', () => {
    expect(decodeBody('X3:abc2[')).toBeUndefined();
    expect(decodeBody('1x:abc')).toBeUndefined();
  });
});

describe('openPacket / closePacket', () => {
  it('appends the offset argument to an encoded EVENT packet', () => {
    const open = openPacket('2["lg",{"a":1}]');
    expect(closePacket(open, 'k1.2f')).toBe('2["lg",{"a":1},"k1.2f"]');
    expect(JSON.parse(closePacket(open, 'k1.2f').slice(1))).toEqual(['lg', { a: 1 }, 'k1.2f']);
  });
});
