import { parseArgs } from 'node:util';
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `npm run load -- --learners N [...]`: what one load run does. */
export const loadOptionsSchema = z
  .object({
    learners: z.coerce.number().int().min(1).max(200).describe('simulated learners'),
    /** A learner arrives this long after the previous one (the ramp). */
    arrivalMs: z.coerce.number().int().min(0).max(60_000).default(300),
    /** The learners' phase ends by then, whatever is left is counted as failed; cleanup follows (bounded too). */
    maxSeconds: z.coerce.number().int().min(10).max(3600).default(420),
    /** Keystrokes whose echo each learner times before each step's commands. */
    keystrokes: z.coerce.number().int().min(0).max(200).default(12),
    /** A learner reads this long before each step after the first (0: every learner at machine speed). */
    thinkMs: z.coerce.number().int().min(0).max(600_000).default(0),
    /** Pause between two timed keystrokes (a quick typist: 80 ms). */
    keystrokeMs: z.coerce.number().int().min(0).max(5000).default(80),
    lesson: z.string().regex(/^[a-z0-9-]+$/).default('postgres-in-a-container'),
    /** An engine already running on this machine (loopback only); default: the load starts its own. */
    url: z
      .string()
      .url()
      .refine((value) => LOOPBACK_HOSTS.has(new URL(value).hostname), 'the load only runs against this machine: http://127.0.0.1:<port>/')
      .optional(),
    /** Where the JSON goes (default test-results/load-<N>.json). */
    out: z.string().min(1).optional(),
  })
  .strict();
export type LoadOptions = z.infer<typeof loadOptionsSchema>;

const usage = `usage: npm run load -- --learners N [--arrival-ms 300] [--max-seconds 420] [--keystrokes 12]
                       [--keystroke-ms 80] [--think-ms 0] [--lesson postgres-in-a-container] [--url http://127.0.0.1:PORT/] [--out FILE]`;

export class LoadUsageError extends Error {
  override name = 'LoadUsageError';
}

/** The command line, checked; throws a LoadUsageError with the usage and what was wrong. */
export function parseLoadOptions(argv: string[]): LoadOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseCommandLine(argv);
  } catch (error) {
    throw new LoadUsageError(`${(error as Error).message}\n${usage}`);
  }
  const parsed = loadOptionsSchema.safeParse({
    learners: values.learners,
    arrivalMs: values['arrival-ms'],
    maxSeconds: values['max-seconds'],
    keystrokes: values.keystrokes,
    keystrokeMs: values['keystroke-ms'],
    thinkMs: values['think-ms'],
    lesson: values.lesson,
    url: values.url,
    out: values.out,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  --${issue.path.join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
    throw new LoadUsageError(`${problems.join('\n')}\n${usage}`);
  }
  return parsed.data;
}

function parseCommandLine(argv: string[]): Record<string, string | undefined> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      learners: { type: 'string' },
      'arrival-ms': { type: 'string' },
      'max-seconds': { type: 'string' },
      keystrokes: { type: 'string' },
      'keystroke-ms': { type: 'string' },
      'think-ms': { type: 'string' },
      lesson: { type: 'string' },
      url: { type: 'string' },
      out: { type: 'string' },
    },
  });
  return values;
}
