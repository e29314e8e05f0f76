import type { PublishedPort } from '../../../../sandbox-engine/src/contracts/workspace.js';

/**
 * The address of a port's preview: the page's own protocol and host name on the engine's preview
 * port, a different origin from the lesson page, so a learner's app never runs beside our page.
 * (When the server sets PREVIEW_ORIGIN, each port comes with its whole `previewUrl` instead.)
 */
export function previewUrl(location: Pick<Location, 'protocol' | 'hostname'>, previewPort: number, previewPath: string): string {
  // location.hostname keeps IPv6 brackets; a bare IPv6 address (from elsewhere) gets them here.
  const host = location.hostname.includes(':') && !location.hostname.startsWith('[') ? `[${location.hostname}]` : location.hostname;
  const path = previewPath.startsWith('/') ? previewPath : `/${previewPath}`;
  return `${location.protocol}//${host}:${previewPort}${path}`;
}

/** "Open port 32768 (web:80)", and "/udp" for UDP ports (which a browser cannot open). */
export function portLabel(port: PublishedPort): string {
  return `${port.hostPort} (${port.container}:${port.containerPort}${port.protocol === 'udp' ? '/udp' : ''})`;
}

/** A key that changes when the list of ports changes, to re-render only then. */
export function portsKey(ports: readonly PublishedPort[]): string {
  return ports.map((port) => `${port.hostPort}/${port.protocol}/${port.container}/${port.containerPort}/${port.previewPath}`).join(',');
}
