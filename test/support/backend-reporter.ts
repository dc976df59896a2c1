import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Prints how many tests ran against each backend (suites are named "<backend> backend"), so a run
 * shows at a glance that PostgreSQL was really exercised, and a plain "N passed, N failed" line.
 */
export default class BackendReporter implements Reporter {
  private readonly counts = { postgres: { passed: 0, failed: 0 }, sqlite: { passed: 0, failed: 0 } };
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(testCase: TestCase): void {
    const state = testCase.result().state;
    if (state === 'skipped' || state === 'pending') {
      this.skipped++;
      return;
    }
    const ok = state === 'passed';
    if (ok) this.passed++;
    else this.failed++;
    for (const backend of ['postgres', 'sqlite'] as const) {
      if (testCase.fullName.includes(`${backend} backend`)) this.counts[backend][ok ? 'passed' : 'failed']++;
    }
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    const { postgres, sqlite } = this.counts;
    process.stdout.write(
      `\nPostgreSQL-backed tests: ${postgres.passed} passed, ${postgres.failed} failed\n` +
        `SQLite-backed tests: ${sqlite.passed} passed, ${sqlite.failed} failed\n` +
        `Tests: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`,
    );
  }
}
