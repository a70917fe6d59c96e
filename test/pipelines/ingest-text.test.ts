import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFile, MappingError } from '../../pipelines/index.ts';
import { escapeInvalidUtf8 } from '../../pipelines/ingest/text.ts';
import { useTempWarehouse } from '../helpers/warehouse.ts';
import { CUSTOMER_MAPPING, writeMapping } from './ingest-fixtures.ts';

const NOW = new Date('2024-06-01T00:00:00Z');
const HEADER = 'Cust;Name;Mobile;TZ;Age;Consent;DNC;Email';
const ROWS = [
  '1;José Müller;07400 123456;Europe/London;34;Y;N;jose@example.com',
  '2;Zoë “Zed” Ørsted – €5 ™;+1 (415) 555-2671;America/New_York;61;Y;N;',
  '3;Plain Name;0412 345 678;Australia/Sydney;45;N;Y;',
  '4;Ann Café;07400 123457;Europe/Narnia;29;Y;N;',
];

/**
 * windows-1252 bytes of a string, from the code page's table: Latin-1 for U+00A0–U+00FF, and
 * the 0x80–0x9F block (written out here rather than taken from the decoder under test).
 */
const CP1252_HIGH: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94, '–': 0x96, '™': 0x99 };
function windows1252(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      const code = ch.codePointAt(0)!;
      if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
      const b = CP1252_HIGH[ch];
      if (b === undefined) throw new Error(`no windows-1252 byte for ${ch} in this test's table`);
      return b;
    }),
  );
}

/** A line as quarantine keeps it when read as UTF-8: every windows-1252 byte above 0x7F as \xNN. */
function escaped1252(text: string): string {
  return [...windows1252(text)].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase()}`)).join('');
}

/** UTF-16 with a byte-order mark, as Excel's "Unicode text" export writes. */
function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

describe('ingest: text encodings and lines before the header', () => {
  const t = useTempWarehouse();

  const names = async () => (await t.wh.query<{ customer_id: string; name: string }>('SELECT customer_id, name FROM customers ORDER BY customer_id')).map((r) => `${r.customer_id}:${r.name}`);
  const write = (name: string, bytes: Buffer) => {
    const path = join(t.dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads a windows-1252 file (plain or .gz) when the mapping names its encoding, with exact line numbers', async () => {
    const text = [HEADER, ...ROWS].join('\r\n') + '\r\n';
    const mapping = writeMapping(t.dir, 'm.json', { ...CUSTOMER_MAPPING, encoding: 'windows-1252' });
    for (const [name, bytes] of [['crm.csv', windows1252(text)], ['crm2.csv.gz', gzipSync(windows1252(text))]] as const) {
      const report = await ingestFile(t.wh, write(name, bytes), { kind: 'customers', mapping, now: NOW });
      expect(report.encoding).toBe('windows-1252');
      expect(report.rowsRead).toBe(4);
    }
    expect(await names()).toEqual(['1:José Müller', '2:Zoë “Zed” Ørsted – €5 ™', '3:Plain Name']);
    // the bad row is quarantined at its line, its raw text decoded, not mangled
    const q = await t.wh.query<{ line_number: number; raw: string; reason: string }>(`SELECT line_number, raw, reason FROM quarantine ORDER BY line_number`);
    expect(q).toEqual([{ line_number: 5, raw: ROWS[3], reason: expect.stringContaining('timezone: unknown IANA time zone') }]);
  });

  it('names the encoding it read in canonically, whatever the label ("CP1252", "Latin1")', async () => {
    const text = windows1252([HEADER, ROWS[0]].join('\n'));
    const cp = await ingestFile(t.wh, write('a.csv', text), { kind: 'customers', mapping: writeMapping(t.dir, 'a.json', { ...CUSTOMER_MAPPING, encoding: 'CP1252' }), now: NOW });
    expect(cp).toMatchObject({ encoding: 'windows-1252', rowsLoaded: 1 });
    const l1 = await ingestFile(t.wh, write('b.csv', text), { kind: 'customers', mapping: writeMapping(t.dir, 'b.json', { ...CUSTOMER_MAPPING, encoding: 'Latin1' }), now: NOW });
    expect(l1).toMatchObject({ encoding: 'iso-8859-1', rowsAlreadyPresent: 1 });
    expect(await names()).toEqual(['1:José Müller']);
  });

  it('recognises UTF-16 by its byte-order mark without a mapping setting (Excel "Unicode text", tab-separated)', async () => {
    const tsv = [HEADER, ...ROWS.slice(0, 3)].map((l) => l.replaceAll(';', '\t')).join('\r\n') + '\r\n';
    const report = await ingestFile(t.wh, write('export.txt', utf16le(tsv)), { kind: 'customers', mapping: writeMapping(t.dir, 'm.json', CUSTOMER_MAPPING), now: NOW });
    expect(report).toMatchObject({ encoding: 'utf-16le', rowsLoaded: 3, rowsQuarantined: 0 });
    expect(await names()).toEqual(['1:José Müller', '2:Zoë “Zed” Ørsted – €5 ™', '3:Plain Name']);
  });

  it('reads NDJSON in another encoding too', async () => {
    const lines = [
      JSON.stringify({ customer_id: '1', name: 'José Müller', timezone: 'Europe/London' }),
      JSON.stringify({ customer_id: '2', name: 'Ørsted', timezone: 'Europe/London' }),
    ];
    const mapping = writeMapping(t.dir, 'm.json', { encoding: 'windows-1252' });
    const report = await ingestFile(t.wh, write('crm.ndjson', windows1252(lines.join('\n') + '\n')), { kind: 'customers', mapping, now: NOW });
    expect(report).toMatchObject({ encoding: 'windows-1252', rowsLoaded: 2 });
    expect(await names()).toEqual(['1:José Müller', '2:Ørsted']);
  });

  it('without the setting, quarantines the lines that are not UTF-8 and says how to read them', async () => {
    const report = await ingestFile(t.wh, write('crm.csv', windows1252([HEADER, ...ROWS.slice(0, 3)].join('\n') + '\n')), {
      kind: 'customers',
      mapping: writeMapping(t.dir, 'm.json', CUSTOMER_MAPPING),
      now: NOW,
    });
    expect(report).toMatchObject({ encoding: 'utf-8', rowsRead: 3, rowsLoaded: 1, rowsQuarantined: 2 });
    const q = await t.wh.query<{ line_number: number; raw: string; reason: string }>(`SELECT line_number, raw, reason FROM quarantine ORDER BY line_number`);
    expect(q.map((r) => r.line_number)).toEqual([2, 3]);
    for (const r of q) expect(r.reason).toMatch(/not valid UTF-8 .*"encoding": "windows-1252"/);
    // the line's own bytes, each one that is not UTF-8 as \xNN (DuckDB's copy drops bytes)
    expect(q.map((r) => r.raw)).toEqual(ROWS.slice(0, 2).map(escaped1252));
  });

  it('keeps a not-UTF-8 record that spans lines whole, in a CRLF file, at its first line', async () => {
    const lines = [HEADER, ROWS[2]!, '5;"Two\r\nlines Café";07400 123459;Europe/London;30;Y;N;', ROWS[0], ROWS[2]!.replace('3;', '6;')];
    const report = await ingestFile(t.wh, write('crm.csv', windows1252(lines.join('\r\n') + '\r\n')), {
      kind: 'customers',
      mapping: writeMapping(t.dir, 'm.json', CUSTOMER_MAPPING),
      now: NOW,
    });
    expect(report).toMatchObject({ rowsRead: 4, rowsLoaded: 2, rowsQuarantined: 2 });
    const q = await t.wh.query<{ line_number: number; raw: string }>(`SELECT line_number, raw FROM quarantine ORDER BY line_number`);
    expect(q).toEqual([
      { line_number: 3, raw: '5;"Two\r\nlines Caf\\xE9";07400 123459;Europe/London;30;Y;N;' },
      { line_number: 5, raw: escaped1252(ROWS[0]!) },
    ]);
  });

  it('writes each byte that is not part of valid UTF-8 as \\xNN, and keeps valid sequences', () => {
    const cases: [number[], string][] = [
      [[0x61, 0xe9, 0x3b, 0x62], 'a\\xE9;b'], // a Latin-1 é swallows nothing
      [[0xe2, 0x82, 0xac], '€'],
      [[0xe2, 0x82], '\\xE2\\x82'], // truncated
      [[0xed, 0xa0, 0x80], '\\xED\\xA0\\x80'], // a surrogate
      [[0xc0, 0xaf], '\\xC0\\xAF'], // overlong
      [[0xf0, 0x9f, 0x98, 0x80, 0x41], '😀A'],
      [[0xf4, 0x90, 0x80, 0x80], '\\xF4\\x90\\x80\\x80'], // above U+10FFFF
    ];
    for (const [bytes, want] of cases) expect(escapeInvalidUtf8(Uint8Array.from(bytes))).toBe(want);
  });

  it('skips the lines before the header (skipLines) and quarantines with the line numbers of the whole file', async () => {
    const lines = ['Customer export; Acme CRM', 'Generated 2024-06-01 08:00;;;', '', HEADER, ROWS[0]!, ROWS[3]!, ROWS[2]!, ROWS[2]!];
    const mapping = writeMapping(t.dir, 'm.json', { ...CUSTOMER_MAPPING, skipLines: 3 });
    const report = await ingestFile(t.wh, write('crm.csv', Buffer.from(lines.join('\n') + '\n')), { kind: 'customers', mapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 4, rowsLoaded: 2, rowsQuarantined: 2 });
    expect(await names()).toEqual(['1:José Müller', '3:Plain Name']);
    expect(await t.wh.query(`SELECT line_number, raw, reason FROM quarantine ORDER BY line_number`)).toEqual([
      { line_number: 6, raw: ROWS[3], reason: expect.stringContaining('timezone: unknown IANA time zone') },
      { line_number: 8, raw: ROWS[2], reason: "customer_id: duplicate key '3' (first at line 7)" },
    ]);
  });

  it('recognises an Excel "sep=" line and takes its delimiter, also after skipped lines, in another encoding, gzipped', async () => {
    const body = [HEADER, ROWS[0]!, ROWS[1]!].map((l) => l.replaceAll(';', '|'));
    const plain = await ingestFile(t.wh, write('excel.csv', Buffer.from(['sep=|', ...body].join('\r\n') + '\r\n')), {
      kind: 'customers',
      mapping: writeMapping(t.dir, 'm.json', CUSTOMER_MAPPING),
      now: NOW,
    });
    expect(plain).toMatchObject({ rowsLoaded: 2, rowsQuarantined: 0 });
    const gz = gzipSync(windows1252(['Title line', 'sep=|', ...body, '5|Bad|not a phone|Europe/London|30|Y|N|'].join('\r\n') + '\r\n'));
    const report = await ingestFile(t.wh, write('excel2.csv.gz', gz), {
      kind: 'customers',
      mapping: writeMapping(t.dir, 'm2.json', { ...CUSTOMER_MAPPING, skipLines: 1, encoding: 'windows-1252' }),
      now: NOW,
    });
    expect(report).toMatchObject({ encoding: 'windows-1252', rowsRead: 3, rowsAlreadyPresent: 2, rowsQuarantined: 1 });
    expect(await names()).toEqual(['1:José Müller', '2:Zoë “Zed” Ørsted – €5 ™']);
    expect(await t.wh.query(`SELECT line_number FROM quarantine`)).toEqual([{ line_number: 6 }]);
  });

  it('says so when skipLines skips the whole file', async () => {
    const path = write('short.csv', Buffer.from('Title\nNotes\n'));
    const mapping = writeMapping(t.dir, 'm.json', { ...CUSTOMER_MAPPING, skipLines: 5 });
    await expect(ingestFile(t.wh, path, { kind: 'customers', mapping, now: NOW })).rejects.toThrow(/skipLines: 5 lines to skip, but the file ends before its header/);
  });

  it('refuses a "sep=" line that declares a delimiter it cannot read, naming the line', async () => {
    const path = write('odd.csv', Buffer.from(['sep=#', HEADER.replaceAll(';', '#')].join('\n')));
    await expect(ingestFile(t.wh, path, { kind: 'customers', mapping: writeMapping(t.dir, 'm.json', CUSTOMER_MAPPING), now: NOW })).rejects.toThrow(
      /line 1: the file declares the delimiter "#"/,
    );
  });

  it('refuses an unknown encoding in the mapping, naming the field, before reading anything', async () => {
    const mapping = writeMapping(t.dir, 'm.json', { ...CUSTOMER_MAPPING, encoding: 'klingon-8' });
    const path = write('crm.csv', Buffer.from([HEADER, ROWS[0]].join('\n')));
    await expect(ingestFile(t.wh, path, { kind: 'customers', mapping, now: NOW })).rejects.toThrow(MappingError);
    await expect(ingestFile(t.wh, path, { kind: 'customers', mapping, now: NOW })).rejects.toThrow(/encoding: unknown text encoding "klingon-8"/);
    expect(await names()).toEqual([]);
  });
});
