// A helper process that SIGKILLs every process it was told about when its parent dies without
// cleaning up (a crash, SIGKILL, a closed terminal): the kernel closes the pipe to it however
// the parent ends. Shared by `npm run bench` and `npm run reliability`.
import { spawn } from 'node:child_process';

const SCRIPT =
  "const pids = new Set(); let buf = '';" +
  "process.on('SIGINT', () => {}); process.on('SIGTERM', () => {});" +
  "process.stdin.setEncoding('utf8').on('data', (d) => { buf += d; const lines = buf.split('\\n'); buf = lines.pop();" +
  "  for (const l of lines) { const pid = Number(l.slice(1)); if (l[0] === '+') pids.add(pid); else pids.delete(pid); } });" +
  "const reap = () => { for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} } process.exit(0); };" +
  "process.stdin.on('end', reap); process.stdin.on('error', reap);";

/** Starts the watchdog: `watch(pid)` when a child starts, `forget(pid)` when it exits, `end()` when all is cleaned up. */
export function startWatchdog() {
  const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  child.unref();
  const send = (line) => {
    if (!child.stdin.destroyed && !child.stdin.writableEnded) child.stdin.write(line);
  };
  return {
    watch: (pid) => pid !== undefined && send(`+${pid}\n`),
    forget: (pid) => pid !== undefined && send(`-${pid}\n`),
    end: () => child.stdin.end(),
  };
}
