import type { PublishedPort } from '../../../../sandbox-engine/src/contracts/workspace.js';

/**
 * Container ports of well-known services that do not speak HTTP: a preview of them would show only
 * a browser error. (Anything else may be a web app, so it is offered.)
 */
const NOT_HTTP: ReadonlyMap<number, string> = new Map([
  [21, 'FTP'],
  [22, 'SSH'],
  [25, 'SMTP'],
  [53, 'DNS'],
  [110, 'POP3'],
  [143, 'IMAP'],
  [389, 'LDAP'],
  [1433, 'SQL Server'],
  [1521, 'Oracle'],
  [2181, 'ZooKeeper'],
  [3306, 'MySQL'],
  [5432, 'PostgreSQL'],
  [5672, 'AMQP'],
  [6379, 'Redis'],
  [9042, 'Cassandra'],
  [9092, 'Kafka'],
  [11211, 'memcached'],
  [27017, 'MongoDB'],
]);

/** Why a port cannot be previewed ("UDP", "PostgreSQL"), or undefined when it may serve web pages. */
export function notPreviewable(port: Pick<PublishedPort, 'containerPort' | 'protocol'>): string | undefined {
  if (port.protocol === 'udp') return 'UDP';
  return NOT_HTTP.get(port.containerPort);
}
