import { deliveryKind } from './delivery-count.js';

describe('deliveryKind', () => {
  const sockets = new Set(['abc123']);
  const isSocketId = (room: string) => sockets.has(room);

  it.each<[string[], string]>([
    [[], 'broadcast'],
    [['user:u1'], 'targeted'],
    [['user:u1', 'user:u2', 'session:2:u1:s'], 'targeted'],
    [['abc123'], 'targeted'],
    [['chat:c1'], 'room'],
    [['user:u1', 'chat:c1'], 'room'],
    [['status:subscribers'], 'room'],
  ])('%j is %s', (rooms, kind) => {
    expect(deliveryKind(rooms, isSocketId)).toBe(kind);
  });
});
