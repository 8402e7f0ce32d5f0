import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The shape docs/business-workflow.md describes, held by a test: the business workflow's
// modules import one way only (type imports count), nothing imports its entry, and no source
// file of workflows/business or activities grows past about 300 lines.

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUSINESS = path.join(ROOT, 'workflows/business');
const MAX_LINES = 300;

/** Relative imports (values and types, re-exports too) of each .ts file in `dir`, by file name. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(dir, file), 'utf8'), true, true);
    const local = info.importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('./'))
      .map((name) => name.slice(2).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(local)].sort());
  }
  return graph;
}

/** Every cycle's files (strongly connected components of more than one file, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('workflows/business', () => {
  const graph = importGraph(BUSINESS);

  it('has no import cycle, runtime or type', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has an entry (workflow.ts) that no module of the folder imports', () => {
    const importers = [...graph].filter(([, deps]) => deps.includes('workflow.ts'));
    expect(importers.map(([file]) => file)).toEqual([]);
  });

  it('writes attempts in one leaf that imports no phase', () => {
    const phases = ['dispatch.ts', 'inbound-wait.ts', 'outcome.ts', 'escalation.ts', 'step.ts'];
    expect(graph.get('attempt.ts')!.filter((dep) => phases.includes(dep))).toEqual([]);
    // Only the attempt leaf writes task_executions rows.
    for (const [file] of graph) {
      const text = fs.readFileSync(path.join(BUSINESS, file), 'utf8');
      const writes = /db\.(startAttempt|finishAttempt|createAttempt)\(/.test(text);
      expect({ file, writes }).toEqual({ file, writes: file === 'attempt.ts' });
    }
  });

  it('keeps its decisions pure: no Temporal API in decisions.ts', () => {
    const info = ts.preProcessFile(fs.readFileSync(path.join(BUSINESS, 'decisions.ts'), 'utf8'));
    expect(info.importedFiles.map((i) => i.fileName)).not.toContain('@temporalio/workflow');
  });
});

describe('source file size', () => {
  it(`keeps every file of workflows/business and activities under ${MAX_LINES} lines`, () => {
    const files = [...sourceFiles(BUSINESS), ...sourceFiles(path.join(ROOT, 'activities'))];
    const long = files
      .map((file) => ({
        file: path.relative(ROOT, file),
        lines: fs.readFileSync(file, 'utf8').split('\n').length,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
