// What each fault did, printed as one table when a fault test file ends (the numbers the
// issue's table asks for: completed, lost, duplicated).

export interface FaultResult {
  workflows: number;
  completed: number;
  /** Row problems other than an unfinished workflow: something written twice or missing. */
  problems: string[];
  badAnswers: string[];
  answers503: number;
  /** Attempts whose outcome never came, recorded lost at their deadline and retried. */
  lostAttemptsRetried: number;
}

const results = new Map<string, FaultResult>();

export function record(fault: string, result: FaultResult): void {
  results.set(fault, result);
}

export function printSummary(): void {
  if (results.size === 0) return;
  const rows = [...results].map(([fault, r]) => [
    fault,
    `${r.completed} of ${r.workflows}`,
    String(r.workflows - r.completed),
    String(r.problems.length),
    String(r.lostAttemptsRetried),
    String(r.answers503),
    String(r.badAnswers.length),
  ]);
  const head = [
    'fault',
    'completed',
    'lost',
    'row problems',
    'attempts retried at their deadline',
    '503s',
    '500s or hangs',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    ['', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n'),
  );
}
