import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { CHANNELS, type Answer } from '../api/types';

type Action = 'RETRY' | 'COMPLETE' | 'SKIP' | 'CANCEL_WORKFLOW';

const ACTIONS: { value: Action; label: string; hint: string }[] = [
  {
    value: 'RETRY',
    label: 'Retry',
    hint: 'A new attempt, with another agent or channel if you choose one.',
  },
  { value: 'COMPLETE', label: 'Complete by hand', hint: 'You did the task: give its result.' },
  {
    value: 'SKIP',
    label: 'Skip the step',
    hint: 'The workflow goes on without it (a note says why).',
  },
  {
    value: 'CANCEL_WORKFLOW',
    label: 'Cancel the workflow',
    hint: 'Ends the whole workflow (a note says why).',
  },
];

/** The result a person enters for COMPLETE, as the agent would have reported it. */
function template(taskType: string): string {
  if (taskType === 'generate_invoice') {
    return JSON.stringify(
      {
        currency: 'USD',
        lines: [{ description: 'Service fee', quantity: 1, unitPrice: '150.00' }],
      },
      null,
      2,
    );
  }
  return '{\n  \n}';
}

type FieldKind = 'text' | 'number' | 'boolean' | 'json';

function kindOf(value: unknown): FieldKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'text';
  return 'json';
}

/** The result from the form's fields, typed as the example's; or what is wrong with one. */
function fromFields(
  example: Record<string, unknown>,
  values: Record<string, string | boolean>,
): { output: Record<string, unknown> } | { problem: string } {
  const output: Record<string, unknown> = {};
  for (const [name, sample] of Object.entries(example)) {
    const kind = kindOf(sample);
    const value = values[name];
    if (kind === 'boolean') {
      output[name] = value === true;
      continue;
    }
    const text =
      typeof value === 'string' ? value.trim() : kind === 'json' ? JSON.stringify(sample) : '';
    if (text === '') continue;
    if (kind === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) return { problem: `${name}: must be a number` };
      output[name] = n;
    } else if (kind === 'json') {
      try {
        output[name] = JSON.parse(text) as unknown;
      } catch {
        return { problem: `${name}: is not valid JSON` };
      }
    } else output[name] = text;
  }
  if (Object.keys(output).length === 0)
    return { problem: 'Fill in at least one field of the result.' };
  return { output };
}

/** The result of COMPLETE: a form from the task type's example output, or JSON. */
function ResultInput(props: {
  taskType: string;
  example: Record<string, unknown> | undefined;
  mode: 'form' | 'json';
  setMode: (m: 'form' | 'json') => void;
  values: Record<string, string | boolean>;
  setValues: (v: Record<string, string | boolean>) => void;
  outputText: string;
  setOutputText: (t: string) => void;
}) {
  const { example, values } = props;
  if (!example || props.mode === 'json') {
    return (
      <div className="block">
        <label className="block">
          Result of {props.taskType} (JSON)
          <textarea
            rows={8}
            value={props.outputText}
            onChange={(e) => props.setOutputText(e.target.value)}
            spellCheck={false}
          />
        </label>
        {example ? (
          <button type="button" onClick={() => props.setMode('form')}>
            Use the form
          </button>
        ) : null}
      </div>
    );
  }
  const set = (name: string, value: string | boolean) =>
    props.setValues({ ...values, [name]: value });
  return (
    <fieldset className="result">
      <legend>Result of {props.taskType}</legend>
      {Object.entries(example).map(([name, sample]) => {
        const kind = kindOf(sample);
        if (kind === 'boolean') {
          return (
            <label key={name} className="choice">
              <input
                type="checkbox"
                checked={values[name] === true}
                onChange={(e) => set(name, e.target.checked)}
              />{' '}
              {name}
            </label>
          );
        }
        if (kind === 'json') {
          return (
            <label key={name} className="block">
              {name} (JSON)
              <textarea
                rows={4}
                spellCheck={false}
                value={
                  typeof values[name] === 'string' ? values[name] : JSON.stringify(sample, null, 2)
                }
                onChange={(e) => set(name, e.target.value)}
              />
            </label>
          );
        }
        return (
          <label key={name} className="block">
            {name}
            <input
              type={kind === 'number' ? 'number' : 'text'}
              value={typeof values[name] === 'string' ? values[name] : ''}
              placeholder={`e.g. ${String(sample)}`}
              onChange={(e) => set(name, e.target.value)}
            />
          </label>
        );
      })}
      <button type="button" onClick={() => props.setMode('json')}>
        Edit as JSON
      </button>
    </fieldset>
  );
}

/** A JSON object, or why the text is not one. */
function parseOutput(text: string): { output: Record<string, unknown> } | { problem: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return { output: value as Record<string, unknown> };
    return { problem: 'The result must be a JSON object: { "key": value, ... }.' };
  } catch (err) {
    return { problem: `The result is not valid JSON: ${(err as Error).message}` };
  }
}

export function ResolveForm({
  escalationId,
  taskType,
}: {
  escalationId: string;
  taskType: string;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<Action>('COMPLETE');
  const [note, setNote] = useState('');
  const [agent, setAgent] = useState('');
  const [channel, setChannel] = useState('');
  const [outputText, setOutputText] = useState(() => template(taskType));
  const outputs = useQuery({
    queryKey: ['task-outputs'],
    queryFn: () =>
      unwrap<{ items: Record<string, Record<string, unknown>> }>(api.GET('/api/task-outputs')),
    staleTime: Infinity,
  });
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const resolve = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      unwrap<Answer>(
        api.POST('/api/escalations/{id}/resolve', {
          params: { path: { id: escalationId } },
          // Checked by the API with the same schema as the workflow's; refusals come back in words.
          body: body as never,
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['escalations'] });
      void queryClient.invalidateQueries({ queryKey: ['workflow'] });
    },
  });
  const needsNote = action === 'SKIP' || action === 'CANCEL_WORKFLOW';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const base = note.trim() ? { note: note.trim() } : {};
    if (needsNote && !note.trim()) {
      setProblem('A note is required: say why.');
      return;
    }
    if (action === 'COMPLETE') {
      const example = outputs.data?.items[taskType];
      const parsed =
        mode === 'form' && example ? fromFields(example, values) : parseOutput(outputText);
      if ('problem' in parsed) {
        setProblem(parsed.problem);
        return;
      }
      resolve.mutate({ action, ...base, output: parsed.output });
    } else if (action === 'RETRY') {
      resolve.mutate({
        action,
        ...base,
        ...(agent.trim() ? { agent: agent.trim() } : {}),
        ...(channel ? { channel } : {}),
      });
    } else resolve.mutate({ action, ...base });
  };

  return (
    <form className="resolve" onSubmit={submit} aria-label="Resolve the escalation">
      <fieldset>
        <legend>Decision</legend>
        {ACTIONS.map((a) => (
          <label key={a.value} className="choice">
            <input
              type="radio"
              name={`${id}-action`}
              value={a.value}
              checked={action === a.value}
              onChange={() => setAction(a.value)}
            />
            {a.label} <span className="muted small">{a.hint}</span>
          </label>
        ))}
      </fieldset>
      {action === 'RETRY' ? (
        <div className="fields">
          <label>
            Agent (optional)
            <input
              value={agent}
              onChange={(e) => setAgent(e.target.value)}
              placeholder="as defined"
            />
          </label>
          <label>
            Channel (optional)
            <select value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value="">As defined</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      {action === 'COMPLETE' ? (
        <ResultInput
          taskType={taskType}
          example={outputs.data?.items[taskType]}
          mode={mode}
          setMode={(m) => {
            resolve.reset();
            setMode(m);
          }}
          values={values}
          setValues={setValues}
          outputText={outputText}
          setOutputText={setOutputText}
        />
      ) : null}
      <label className="block">
        Note{needsNote ? ' (required)' : ' (optional)'}
        <textarea
          rows={2}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          required={needsNote}
        />
      </label>
      <button type="submit" disabled={resolve.isPending}>
        {resolve.isPending ? 'Sending…' : 'Send decision'}
      </button>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      {resolve.error ? (
        <p role="alert" className="error">
          Refused: {resolve.error.message}
        </p>
      ) : null}
      {resolve.data ? (
        <p role="status" className="ok">
          {resolve.data.message}
        </p>
      ) : null}
    </form>
  );
}
