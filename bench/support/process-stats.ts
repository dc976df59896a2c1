/**
 * Child-process side of the benchmark: samples this process's RSS every 50 ms and answers the
 * parent's `{ type: 'stats' }` IPC message with the peak, and `{ type: 'cpu' }` with the CPU time used.
 */
export function reportStatsOverIpc(): void {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  timer.unref();
  let cpuMark = process.cpuUsage();
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'cpu') {
      // CPU this process used since the last ask: comparable where wall-clock rates are not (a busy machine).
      const used = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      process.send?.({ type: 'cpu', ms: Math.round((used.user + used.system) / 1000) });
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
