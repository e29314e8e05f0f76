import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNeighbourStat, readNeighbourTableTotals } from './neighbour-table-totals.js';

// A host's /proc/net/stat/arp_cache: a header, then one line per CPU (the first column is the table's).
const arpCache = [
  'entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls',
  '0000001a 0022828c 00230c17 00000002   00231eba 00005fee 00000000   00000000         00000000         00000949         000076f2       00000000            00000096',
  '0000001a 0026a374 002619e3 0000000d   0027b029 0000d1de 00000001   00000000         00000000         00000000         00007bff       00000000            000000e5',
  '',
].join('\n');

describe('parseNeighbourStat', () => {
  it('reads the entries column, in hexadecimal', () => {
    expect(parseNeighbourStat(arpCache)).toBe(26);
  });

  it('finds the column where the header puts it', () => {
    expect(parseNeighbourStat('allocs   entries  destroys\n00000010 000000FF 00000000\n00000011 000000ff 00000000\n')).toBe(255);
  });

  it.each([
    ['text that is no table', 'hello world'],
    ['an empty file', ''],
    ['a header alone', 'entries  allocs\n'],
    ['a header without entries', 'allocs destroys\n00000001 00000002\n'],
    ['a value that is not hexadecimal', 'entries allocs\nzz 00000001\n'],
    ['a line too short', 'allocs entries\n00000001\n'],
  ])('throws a clear error on %s', (_, text) => {
    expect(() => parseNeighbourStat(text)).toThrow(/not a neighbour table's statistics/);
  });
});

describe('readNeighbourTableTotals', () => {
  let procRoot: string | undefined;
  afterEach(async () => {
    if (procRoot) await rm(procRoot, { recursive: true, force: true });
    procRoot = undefined;
  });

  async function fakeProc(tables: Record<string, string>): Promise<string> {
    procRoot = await mkdtemp(path.join(tmpdir(), 'dyk-unit-proc-'));
    await mkdir(path.join(procRoot, 'net', 'stat'), { recursive: true });
    for (const [table, text] of Object.entries(tables)) await writeFile(path.join(procRoot, 'net', 'stat', table), text);
    return procRoot;
  }

  it('reads both tables', async () => {
    const root = await fakeProc({ arp_cache: arpCache, ndisc_cache: 'entries allocs\n00000003 00000001\n00000003 00000002\n' });
    expect(await readNeighbourTableTotals(root)).toEqual({ arp: 26, ndisc: 3 });
  });

  it('counts no NDP entries on a host without IPv6', async () => {
    const root = await fakeProc({ arp_cache: arpCache });
    expect(await readNeighbourTableTotals(root)).toEqual({ arp: 26, ndisc: 0 });
  });

  it('fails without the ARP table, and on one it cannot read', async () => {
    await expect(readNeighbourTableTotals(await fakeProc({ ndisc_cache: arpCache }))).rejects.toThrow(/ENOENT/);
    await rm(procRoot as string, { recursive: true, force: true });
    await expect(readNeighbourTableTotals(await fakeProc({ arp_cache: 'garbage' }))).rejects.toThrow(/not a neighbour table's statistics/);
  });

  it("reads this host's tables", async () => {
    const totals = await readNeighbourTableTotals();
    expect(Number.isInteger(totals.arp) && totals.arp >= 0).toBe(true);
    expect(Number.isInteger(totals.ndisc) && totals.ndisc >= 0).toBe(true);
  });
});
