/** One socket to move off this node, and how long its client should wait before coming back. */
export interface Move {
  socketId: string;
  reconnectAfterMs: number;
}

/** The sockets moved together, `atMs` after the spread began. */
export interface Wave {
  atMs: number;
  moves: Move[];
}

/** Waves are about this far apart: often enough to keep each small, rarely enough to cost nothing. */
export const WAVE_INTERVAL_MS = 100;

/**
 * Splits `socketIds` into waves evenly spaced over `spreadMs`, in random order, the same number
 * of sockets in each (±1). Each socket is told a random delay within its wave's slot: a plain
 * Socket.IO client reconnects when its transport closes, so the waves spread those; a client
 * that honours `reconnectAfterMs` comes back at a uniformly random instant of the spread. Either
 * way the clients return over the spread, never all at once and never after it.
 */
export function planWaves(socketIds: readonly string[], spreadMs: number, random: () => number = Math.random): Wave[] {
  const ids = shuffled(socketIds, random);
  if (ids.length === 0) return [];
  const count = spreadMs <= 0 ? 1 : Math.min(ids.length, Math.max(1, Math.ceil(spreadMs / WAVE_INTERVAL_MS)));
  const slotMs = spreadMs / count;
  const waves: Wave[] = Array.from({ length: count }, (_, k) => ({ atMs: Math.round(k * slotMs), moves: [] }));
  ids.forEach((socketId, i) => {
    const wave = waves[Math.floor((i * count) / ids.length)];
    wave.moves.push({ socketId, reconnectAfterMs: Math.floor(random() * slotMs) });
  });
  return waves;
}

/** Fisher-Yates on a copy. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
