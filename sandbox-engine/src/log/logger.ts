import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** The engine's log: events by name with fields, one JSON object per line. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/**
 * Structured logs through pino: `{"level":"info","time":"…","event":"session.created",…}` per line
 * on stderr (or to `write`). An `error` field keeps its message, type and stack; circular values
 * are safe.
 */
export function createLogger(level: LogLevel = 'info', base: LogFields = {}, write?: (line: string) => unknown): Logger {
  // process.stderr writes synchronously to files and pipes (a crash's last line is kept), and is what tests watch.
  const destination = { write: (line: string) => void (write ? write(line.replace(/\n$/, '')) : process.stderr.write(line)) };
  return wrap(
    pino(
      {
        level,
        base,
        messageKey: 'event',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        serializers: { error: pino.stdSerializers.err },
      },
      destination,
    ),
  );
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (event, fields) => logger.debug(fields ?? {}, event),
    info: (event, fields) => logger.info(fields ?? {}, event),
    warn: (event, fields) => logger.warn(fields ?? {}, event),
    error: (event, fields) => logger.error(fields ?? {}, event),
    child: (fields) => wrap(logger.child(fields)),
  };
}
