import { z } from 'zod';

/** How long a check may take when neither the checker nor the engine's CHECK_TIMEOUT_MS says otherwise. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** A regular expression given as a string; rejected at validation time when it does not compile. */
export const regexSourceSchema = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source, 'm');
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');

const checkerBase = {
  /** What the learner reads when the check fails ("the container db is not running"). Defaults to a generated text. */
  message: z.string().min(1).optional().describe('text shown to the learner when this check fails'),
  /** Cut after this many milliseconds and reported as timed out. */
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(120_000)
    .optional()
    .describe(`milliseconds before this check is cut and reported as timed out (default ${DEFAULT_CHECK_TIMEOUT_MS})`),
  /** Holds from an earlier step (a container that must still be running): lessons:test lets it pass before the solution. */
  carriedOver: z
    .boolean()
    .optional()
    .describe(
      'true: this check already passes before the step, from an earlier step or the starting files (e.g. a container that must still be running); npm run lessons:test does not require it to fail before the solution',
    ),
};

export const containerCheckerSchema = z
  .object({
    kind: z.literal('container'),
    name: z.string().min(1).describe('container name inside the sandbox'),
    state: z
      .enum(['exists', 'running', 'exited', 'absent'])
      .describe('exists: any state; running; exited (stopped, not merely created); absent: no such container'),
    image: z
      .string()
      .min(1)
      .optional()
      .describe('image the container was created from, e.g. postgres:15 (no tag means latest; docker.io/library/ is implied)'),
    env: z
      .record(z.string())
      .optional()
      .describe('environment variables the container must have, NAME: value (quote numbers: PGPORT: "5432")'),
    publishedPorts: z
      .array(z.number().int().min(1).max(65535))
      .optional()
      .describe('container ports that must be published on a port of the sandbox host'),
    ...checkerBase,
  })
  .strict();

export const commandCheckerSchema = z
  .object({
    kind: z.literal('command'),
    run: z.string().min(1).describe('bash command run in the sandbox host shell'),
    exitCode: z.number().int().min(0).max(255).default(0).describe('exit code the command must end with'),
    stdout: regexSourceSchema.optional().describe('pattern the standard output must match (multiline: ^ and $ match at each line)'),
    ...checkerBase,
  })
  .strict();

export const portCheckerSchema = z
  .object({
    kind: z.literal('port'),
    protocol: z
      .enum(['tcp', 'http'])
      .default('tcp')
      .describe('tcp: something accepts a connection; http: a GET answers'),
    port: z.number().int().min(1).max(65535).optional().describe('port on the sandbox host (127.0.0.1)'),
    container: z.string().min(1).optional().describe('container whose published port is checked (with containerPort)'),
    containerPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('tcp port inside the container; the host port it is published on is looked up'),
    path: z.string().startsWith('/').default('/').describe('HTTP path (protocol http)'),
    status: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .describe('expected HTTP status (protocol http); without it any 2xx or 3xx passes'),
    body: regexSourceSchema.optional().describe('pattern the HTTP body must match'),
    ...checkerBase,
  })
  .strict();

export const historyCheckerSchema = z
  .object({
    kind: z.literal('history'),
    pattern: regexSourceSchema.describe('pattern a command the learner typed in the sandbox shell must match'),
    ...checkerBase,
  })
  .strict();

export const fileCheckerSchema = z
  .object({
    kind: z.literal('file'),
    path: z.string().min(1).describe('file in the sandbox, relative to the working directory /root (or absolute)'),
    exists: z.boolean().default(true).describe('false: the file must not exist'),
    content: regexSourceSchema.optional().describe('pattern the file content must match'),
    ...checkerBase,
  })
  .strict();

export const checkerSchema = z
  .discriminatedUnion('kind', [containerCheckerSchema, commandCheckerSchema, portCheckerSchema, historyCheckerSchema, fileCheckerSchema])
  .superRefine((checker, ctx) => {
    if (checker.kind === 'container' && checker.state === 'absent') {
      for (const field of ['image', 'env', 'publishedPorts'] as const) {
        if (checker[field] !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: 'cannot be checked when state is absent' });
        }
      }
    }
    if (checker.kind === 'file' && !checker.exists && checker.content !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['content'], message: 'cannot be checked when exists is false' });
    }
    if (checker.kind !== 'port') return;
    if (checker.protocol === 'tcp') {
      for (const field of ['status', 'body'] as const) {
        if (checker[field] !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: 'only checked with protocol: http' });
        }
      }
    }
    const byContainer = checker.container !== undefined && checker.containerPort !== undefined;
    if ((checker.port === undefined) === !byContainer) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['port'],
        message: 'a port checker needs either port, or both container and containerPort',
      });
    }
  });

export type ContainerChecker = z.infer<typeof containerCheckerSchema>;
export type CommandChecker = z.infer<typeof commandCheckerSchema>;
export type PortChecker = z.infer<typeof portCheckerSchema>;
export type HistoryChecker = z.infer<typeof historyCheckerSchema>;
export type FileChecker = z.infer<typeof fileCheckerSchema>;
export type Checker = z.infer<typeof checkerSchema>;
export type CheckerKind = Checker['kind'];

export const checkOutcomeSchema = z.object({
  kind: z.string(),
  passed: z.boolean(),
  timedOut: z.boolean().default(false),
  /** Why it failed, or what was confirmed. */
  message: z.string(),
  durationMs: z.number(),
});
export type CheckOutcome = z.infer<typeof checkOutcomeSchema>;

export const stepResultSchema = z.object({
  stepId: z.string(),
  passed: z.boolean(),
  outcomes: z.array(checkOutcomeSchema),
  hint: z.string().optional(),
});
export type StepResult = z.infer<typeof stepResultSchema>;
