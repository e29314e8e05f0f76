export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logs: one JSON event per line on stderr. */
export function createLogger(level: LogLevel = 'info', base: LogFields = {}, write = (line: string) => process.stderr.write(line + '\n')): Logger {
  const emit = (at: LogLevel, event: string, fields?: LogFields) => {
    if (order[at] < order[level]) return;
    const record: LogFields = { time: new Date().toISOString(), level: at, event, ...base, ...fields };
    if (record.error instanceof Error) record.error = record.error.message;
    write(JSON.stringify(record));
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}
