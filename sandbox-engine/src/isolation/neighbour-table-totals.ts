import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Entries in the host's neighbour tables (ARP and NDP), every network namespace's together. */
export interface NeighbourTableTotals {
  arp: number;
  ndisc: number;
}

/**
 * The "entries" column of `/proc/net/stat/<table>`: hexadecimal, the same on every CPU's line, and
 * the count of the whole table (one per address family for all network namespaces on the host).
 */
export function parseNeighbourStat(text: string): number {
  const lines = text.trim().split('\n');
  const column = lines[0]?.trim().split(/\s+/).indexOf('entries') ?? -1;
  const value = lines[1]?.trim().split(/\s+/)[column];
  if (column < 0 || value === undefined || !/^[0-9a-f]+$/i.test(value)) throw new Error(`not a neighbour table's statistics: ${text.slice(0, 80)}`);
  return Number.parseInt(value, 16);
}

/** Reads both tables' counts (the engine's own network namespace sees the global counts). */
export async function readNeighbourTableTotals(procRoot = '/proc'): Promise<NeighbourTableTotals> {
  const read = async (table: string) => parseNeighbourStat(await readFile(path.join(procRoot, 'net', 'stat', table), 'utf8'));
  const [arp, ndisc] = await Promise.all([read('arp_cache'), read('ndisc_cache').catch(() => 0)]);
  return { arp, ndisc };
}
