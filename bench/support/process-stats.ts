import { readFileSync } from 'node:fs';

/**
 * Child-process side of the benchmark: samples this process's RSS every 50 ms and answers the
 * parent's `{ type: 'stats' }` IPC message with the peak, and `{ type: 'cpu' }` with the CPU time used
 * (all threads, and the main thread's alone).
 */
/** CPU time of the main thread alone (Linux; clock ticks of 10 ms), or undefined elsewhere. */
function mainThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export function reportStatsOverIpc(): void {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  timer.unref();
  let cpuMark = process.cpuUsage();
  let mainMark = mainThreadCpuMs();
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'cpu') {
      // CPU this process used since the last ask: comparable where wall-clock rates are not (a busy machine).
      const used = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      const main = mainThreadCpuMs();
      const mainMs = main === undefined || mainMark === undefined ? undefined : main - mainMark;
      mainMark = main;
      process.send?.({ type: 'cpu', ms: Math.round((used.user + used.system) / 1000), mainMs });
    }
    if (message?.type === 'stats') {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      process.send?.({ type: 'stats', peakRss });
    }
    if (message?.type === 'reset') {
      peakRss = process.memoryUsage.rss();
      process.send?.({ type: 'reset' });
    }
  });
}
