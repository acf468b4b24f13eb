/** Prints one closing line "N passed, N failed[, N skipped]" that CI systems read, after vitest's own report. */
import type { Reporter } from 'vitest/reporters';

interface Task {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: Task[];
}

export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []) {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    const walk = (t: Task) => {
      if (t.type === 'test') {
        if (t.result?.state === 'pass') passed++;
        else if (t.result?.state === 'fail') failed++;
        else skipped++;
      }
      t.tasks?.forEach(walk);
    };
    for (const f of files) {
      if (f.result?.state === 'fail' && !(f.tasks ?? []).length) failed++;
      walk(f);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
