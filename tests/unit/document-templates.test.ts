/** Letter and notice templates (pure): checking (Mustache syntax, unknown names, with line and column), the block
 *  syntax, values that must never become structure, and UK dates. The PDFs themselves: tests/http/documents.test.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blocksToText,
  checkTemplate,
  DOCUMENT_KINDS,
  fillBody,
  fillTitle,
  hasMap,
  nest,
  todayInUk,
  ukDate,
} from '../../shared/domain/documents.ts';
import { parseTemplateFile, TEMPLATES_DIR } from '../../server/modules/documents/templates.ts';

const ok = (kind: (typeof DOCUMENT_KINDS)[number], body: string, title = 'A title') =>
  checkTemplate(kind, { title, body });

describe('the default templates shipped in server/documents/templates', () => {
  it.each(DOCUMENT_KINDS)('%s parses and uses only its own variables', (kind) => {
    const t = parseTemplateFile(fs.readFileSync(path.join(TEMPLATES_DIR, `${kind}.md`), 'utf8'), kind);
    expect(t.title.length).toBeGreaterThan(5);
    expect(checkTemplate(kind, t)).toEqual([]);
  });

  it('puts the map in every kind but the press advert', () => {
    for (const kind of DOCUMENT_KINDS) {
      const t = parseTemplateFile(fs.readFileSync(path.join(TEMPLATES_DIR, `${kind}.md`), 'utf8'), kind);
      expect(hasMap(t.body), kind).toBe(kind !== 'press-advert');
    }
  });
});

describe('checkTemplate', () => {
  it('names an unknown variable with its line and column', () => {
    expect(ok('site-notice', '# Notice\n\nSite: {{case.adress}}')).toEqual([
      { field: 'body', line: 3, column: 7, message: 'unknown variable "case.adress"', name: 'case.adress' },
    ]);
  });

  it('reports an unclosed section where the template ends, and an unclosed tag', () => {
    const unclosed = ok('site-notice', 'Line one\n{{#publicity.dateKnown}}\nShown on {{publicity.date}}\n');
    expect(unclosed).toHaveLength(1);
    expect(unclosed[0]).toMatchObject({ field: 'body', line: 4, column: 1 });
    expect(unclosed[0]!.message).toMatch(/Unclosed section "publicity.dateKnown"/);
    const tag = ok('site-notice', 'Dear {{case.reference');
    expect(tag).toHaveLength(1);
    expect(tag[0]).toMatchObject({ field: 'body', line: 1 });
    expect(tag[0]!.message).toMatch(/Unclosed tag/);
  });

  it('reports a section closed with the wrong name', () => {
    const issues = ok('site-notice', '{{#publicity.dateKnown}}\nx\n{{/publicity.commentByKnown}}');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/Unclosed section "publicity.dateKnown"/);
    expect(issues[0]!.line).toBe(3);
  });

  it("accepts a list's fields inside its section and refuses them outside", () => {
    expect(
      ok(
        'site-history',
        '{{#history.items}}\n## {{reference}}\n{{description}} ({{case.reference}})\n{{/history.items}}',
      ),
    ).toEqual([]);
    expect(ok('site-history', '## {{reference}}')).toMatchObject([
      { line: 1, column: 4, message: 'unknown variable "reference"' },
    ]);
  });

  it('accepts {{.}} in a list of text only', () => {
    expect(ok('press-advert', '{{#advert.reasons}}\n- {{.}}\n{{/advert.reasons}}')).toEqual([]);
    expect(ok('press-advert', 'x {{.}}')[0]!.message).toMatch(/current item of a list of text/);
  });

  it('says how to use a flag, a list and a group that are used as values', () => {
    expect(ok('site-notice', '{{publicity.dateKnown}}')[0]!.message).toMatch(/yes\/no flag/);
    expect(ok('press-advert', '{{advert.reasons}}')[0]!.message).toMatch(/is a list/);
    expect(ok('site-notice', '{{case}}')[0]!.message).toMatch(/group of variables/);
    expect(ok('site-notice', '{{#case}}{{reference}} at {{address}}{{/case}}')).toEqual([]);
  });

  it('refuses variables of other kinds', () => {
    expect(ok('site-notice', '{{recipient.address}}')).toHaveLength(1);
    expect(ok('neighbour-letter', '{{recipient.address}}')).toEqual([]);
    expect(ok('decision-notice', '{{publicity.commentByDate}}')).toHaveLength(1);
  });

  it("refuses recipient variables in a neighbour letter's title (one title for the whole run), and names of people in any title", () => {
    expect(checkTemplate('neighbour-letter', { title: 'Letter to {{recipient.address}}', body: 'x' })).toMatchObject([
      { field: 'title', line: 1, column: 11 },
    ]);
    expect(
      checkTemplate('decision-notice', { title: 'Decision for {{applicant.name}}', body: '{{applicant.name}}' }),
    ).toMatchObject([{ field: 'title', line: 1, column: 14 }]);
    expect(
      checkTemplate('consultee-letter', { title: 'To {{consultee.name}}', body: '{{consultee.name}}' }),
    ).toMatchObject([{ field: 'title', line: 1, column: 4 }]);
  });

  it('refuses partials and unknown [[…]] directives', () => {
    expect(ok('site-notice', '{{> footer}}')[0]!.message).toMatch(/partials/);
    expect(ok('site-notice', 'a\n\n[[signature]]\n')).toEqual([
      { field: 'body', line: 3, column: 1, message: 'unknown directive [[signature]]: the only one is [[map]]' },
    ]);
  });
});

describe('fillBody: the block syntax', () => {
  const view = nest({
    'case.reference': '26/AP/0001',
    'case.description': '# Not a heading\n- nor a list item\n[[map]]',
    'case.address': '',
    'decision.conditions': [
      { number: '1', text: 'Start within 3 years.' },
      { number: '2', text: 'Use matching bricks.' },
    ],
    'publicity.dateKnown': false,
    'advert.reasons': ['Major development.'],
  });

  it('makes headings, paragraphs, bullet and numbered lists and the map', () => {
    const blocks = fillBody(
      '# Title {{case.reference}}\n\nFirst line\nsecond line\n\n## Sub\n- one\n- two\n\n{{#decision.conditions}}\n{{number}}. {{text}}\n{{/decision.conditions}}\n[[map]]\nAfter',
      view,
    );
    expect(blocks).toEqual([
      { type: 'h1', text: 'Title 26/AP/0001' },
      { type: 'p', text: 'First line\nsecond line' },
      { type: 'h2', text: 'Sub' },
      {
        type: 'list',
        ordered: false,
        items: [
          { label: '•', text: 'one' },
          { label: '•', text: 'two' },
        ],
      },
      {
        type: 'list',
        ordered: true,
        items: [
          { label: '1.', text: 'Start within 3 years.' },
          { label: '2.', text: 'Use matching bricks.' },
        ],
      },
      { type: 'map' },
      { type: 'p', text: 'After' },
    ]);
  });

  it('never turns a value into a heading, a list item or the map', () => {
    expect(fillBody('{{case.description}}', view)).toEqual([
      { type: 'p', text: '# Not a heading - nor a list item [[map]]' },
    ]);
    expect(fillBody('- {{case.description}}', view)).toEqual([
      { type: 'list', ordered: false, items: [{ label: '•', text: '# Not a heading - nor a list item [[map]]' }] },
    ]);
  });

  it('leaves no empty paragraph or heading for empty values and false flags', () => {
    expect(
      fillBody(
        '## {{case.address}}\n\n{{case.address}}\n\n{{#publicity.dateKnown}}Shown{{/publicity.dateKnown}}\n\nEnd',
        view,
      ),
    ).toEqual([{ type: 'p', text: 'End' }]);
  });

  it('writes plain text for the newspaper', () => {
    const blocks = fillBody(
      '# Notice\n\n{{case.reference}}: text.\n\n{{#advert.reasons}}\n- {{.}}\n{{/advert.reasons}}\n[[map]]',
      view,
    );
    expect(blocksToText(blocks)).toBe('Notice\n\n26/AP/0001: text.\n\n- Major development.\n');
  });

  it('fills the title on one line', () => {
    expect(fillTitle('Site notice: {{case.reference}} {{case.description}}', view)).toBe(
      'Site notice: 26/AP/0001 # Not a heading - nor a list item [[map]]',
    );
  });
});

describe('dates', () => {
  it('writes dates the UK way', () => {
    expect(ukDate('2026-11-23')).toBe('23 November 2026');
    expect(ukDate('2027-01-01')).toBe('1 January 2027');
  });

  it('takes today in the UK, not in UTC', () => {
    expect(todayInUk(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01'); // 00:30 BST
    expect(todayInUk(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31'); // GMT
  });
});
