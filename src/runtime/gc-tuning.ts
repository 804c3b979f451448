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
 * instead of it (the scheduler shares the core), so `auto` drops them there and marking runs in
 * incremental steps on the loop. It does not shorten the stall of a major collection (the sweep
 * then runs on the loop), so its benefit is unproven (docs/performance.md); `on` restores V8's
 * default.
 */
export function keepsGcHelpers(mode: GcHelperThreads, cpus: number): boolean {
  return mode === 'on' || (mode === 'auto' && cpus > 1);
}

/**
 * V8 moves an allocation site's objects straight to the old generation once most of them
 * survive a scavenge. Under load the packets, frames and requests of a delivery do (they wait for
 * their socket writes and answers), so V8 would allocate them old: the old generation would fill
 * at MB/s and need a major collection every few seconds, and scavenges would get rarer and longer.
 * With pretenuring off they stay young and die in scavenges (docs/performance.md has the figures).
 * GC_PRETENURING=true keeps the V8 default.
 */
export function applyGcPretenuring(on: boolean): void {
  if (!on) setFlagsFromString('--no-allocation-site-pretenuring');
}

/**
 * Applies `mode` to this process's V8 (main.ts, once, before the app is built); returns whether V8
 * keeps its helper threads. `availableParallelism` counts the CPUs the process may run on (its
 * affinity), not a container's CPU quota: with a quota of one CPU, set GC_HELPER_THREADS=off.
 */
export function applyGcHelperThreads(mode: GcHelperThreads, cpus = availableParallelism()): boolean {
  if (keepsGcHelpers(mode, cpus)) return true;
  for (const flag of MAIN_THREAD_GC_FLAGS) setFlagsFromString(flag);
  return false;
}
