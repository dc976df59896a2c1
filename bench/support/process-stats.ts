/**
 * Child-process side of the benchmark: samples this process's RSS every 50 ms and answers the
 * parent's `{ type: 'stats' }` IPC message with the peak.
 */
export function reportStatsOverIpc(): void {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  timer.unref();
  process.on('message', (message: { type?: string }) => {
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
