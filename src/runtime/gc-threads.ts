import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { GcHelperThreads } from '../config/app-config.js';

/**
 * What `node --single-threaded-gc` does, in the flags V8 accepts once it runs: marking, sweeping,
 * scavenges and compaction on the main thread. (`--single-threaded-gc` and `--no-parallel-marking`
 * abort V8 when set at run time; every flag here was checked not to.)
 */
export const MAIN_THREAD_GC_FLAGS = [
  '--no-concurrent-marking',
  '--no-concurrent-sweeping',
  '--no-concurrent-array-buffer-sweeping',
  '--no-parallel-scavenge',
  '--no-parallel-compaction',
  '--no-parallel-pointer-update',
] as const;

/**
 * Whether V8 keeps its GC helper threads. On one CPU they cannot run beside the event loop, only
 * instead of it: the scheduler shares the core between the loop and the helpers, so a major
 * collection of a large heap stalls the loop for hundreds of milliseconds (README, Performance).
 * On the main thread, marking runs in small incremental steps between events instead.
 */
export function keepsGcHelpers(mode: GcHelperThreads, cpus: number): boolean {
  return mode === 'on' || (mode === 'auto' && cpus > 1);
}

/**
 * Applies `mode` to this process's V8 (main.ts, once, before the app is built); true when the
 * helpers were dropped. `availableParallelism` counts the CPUs the process may run on (its
 * affinity), not a container's CPU quota: with a quota of one CPU, set GC_HELPER_THREADS=off.
 */
export function applyGcHelperThreads(mode: GcHelperThreads, cpus = availableParallelism()): boolean {
  if (keepsGcHelpers(mode, cpus)) return false;
  for (const flag of MAIN_THREAD_GC_FLAGS) setFlagsFromString(flag);
  return true;
}
