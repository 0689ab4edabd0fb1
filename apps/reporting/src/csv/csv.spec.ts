import { csvChunks, csvLine, wantsCsv } from './csv';

describe('csv', () => {
  it('quotes separators, quotes and line breaks, and defuses formulas', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 12, null, true])).toBe(
      '"a,b","say ""hi""","two\nlines",12,,true\r\n',
    );
    expect(csvLine(['=HYPERLINK("x")', '-1+2', '@SUM', -5])).toBe(`"'=HYPERLINK(""x"")",'-1+2,'@SUM,-5\r\n`);
  });

  it('writes the header then one chunk per batch', async () => {
    async function* batches() {
      yield [{ n: 1 }, { n: 2 }];
      yield [{ n: 3 }];
    }
    const chunks: string[] = [];
    for await (const chunk of csvChunks([{ header: 'n', value: (row: { n: number }) => row.n }], batches())) {
      chunks.push(chunk);
    }
    expect(chunks).toEqual(['n\r\n', '1\r\n2\r\n', '3\r\n']);
  });

  it('starts with a byte order mark only when asked', async () => {
    async function* batches() {
      yield [{ n: 'é' }];
    }
    const column = [{ header: 'name', value: (row: { n: string }) => row.n }];
    const read = async (bom?: boolean) => {
      let text = '';
      for await (const chunk of csvChunks(column, batches(), bom === undefined ? {} : { bom })) text += chunk;
      return text;
    };
    expect(await read(true)).toBe('\uFEFFname\r\né\r\n');
    expect(await read(false)).toBe('name\r\né\r\n');
    expect(await read()).toBe('name\r\né\r\n');
  });

  it('recognises a CSV Accept header', () => {
    expect(wantsCsv('text/csv')).toBe(true);
    expect(wantsCsv('text/csv;q=1, application/json;q=0.5')).toBe(true);
    expect(wantsCsv('application/json')).toBe(false);
    expect(wantsCsv(undefined)).toBe(false);
  });
});
