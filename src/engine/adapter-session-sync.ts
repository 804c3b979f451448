/**
 * The Socket.IO adapter's recovery sessions. The Redis streams adapter writes a session without
 * returning the write; `written` resolves once a session written before the call is readable.
 * The in-memory adapter writes at once.
 */
export abstract class AdapterSessionSync {
  abstract written(pid: string): Promise<void>;
}
