import { Rooms } from './rooms.js';

describe('Rooms', () => {
  describe('ownerOf', () => {
    it('names the user of a user room and of a session room, whatever their ids hold', () => {
      expect(Rooms.ownerOf(Rooms.user('a:b'))).toBe('a:b');
      expect(Rooms.ownerOf(Rooms.session('a:b', 'c'))).toBe('a:b');
      expect(Rooms.ownerOf(Rooms.session('a', 'b:c'))).toBe('a');
      expect(Rooms.session('a:b', 'c')).not.toBe(Rooms.session('a', 'b:c'));
    });

    it('names no user for other rooms', () => {
      for (const room of [Rooms.chat('x'), Rooms.presence('u'), Rooms.status, 'socket-id', 'session:x:u:s']) expect(Rooms.ownerOf(room)).toBeUndefined();
    });
  });
});
